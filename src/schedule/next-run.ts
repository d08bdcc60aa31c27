import { ValidationError } from '../errors.js'
import { assertTimeZone, parseCron } from './cron.js'

export type ScheduleType = 'cron' | 'interval' | 'once'

/**
 * When a schedule fires: the part of a stored schedule the schedule maths reads. Occurrences are
 * NOMINAL times (when it should fire, not when it did). Bounds are inclusive: nothing before
 * `start_at`, nothing after `end_at`.
 */
export interface ScheduleSpec {
  schedule_type: ScheduleType
  /** For `cron`: 5 or 6 fields or a macro, read in `timezone` (see cron.ts for clock changes). */
  cron_expression?: string
  /** For `interval`: the period in milliseconds, a positive whole number. */
  interval_ms?: number
  /** For `once`: the single occurrence. */
  run_at?: Date
  /** IANA name; cron fields are read in it. */
  timezone: string
  start_at?: Date
  end_at?: Date
  /**
   * When the schedule was created. Cron and interval schedules have no occurrence at or before it
   * (creating a schedule does not fire its past). Without `start_at` it is the origin of the
   * interval grid: anchor + interval_ms, anchor + 2 interval_ms, ... With `start_at` the grid is
   * start_at, start_at + interval_ms, ... Either way occurrences never drift: they are
   * origin + k interval_ms, whenever the previous one actually ran. `once` ignores it.
   */
  anchor?: Date
}

/** A validated schedule's nominal occurrences. */
export interface Occurrences {
  /** The first occurrence strictly after `after`, or null when there is none. */
  next(after: Date): Date | null
  /** The last occurrence strictly before `before`, or null when there is none. */
  previous(before: Date): Date | null
  /** How many occurrences lie in (after, upTo], when that is known without listing them (interval, once). */
  count?(after: Date, upTo: Date): number
}

function isDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime())
}

function requireDate(value: unknown, field: string, optional: boolean): void {
  if (value === undefined && optional) return
  if (!isDate(value)) throw new ValidationError(field, 'must be a valid date')
}

/** Throws ValidationError naming the first field at fault: a schedule that cannot fire as written is refused. */
export function validateScheduleSpec(spec: ScheduleSpec): void {
  if (!['cron', 'interval', 'once'].includes(spec.schedule_type)) {
    throw new ValidationError('schedule_type', `must be cron, interval or once, got "${String(spec.schedule_type)}"`)
  }
  assertTimeZone(spec.timezone)
  requireDate(spec.start_at, 'start_at', true)
  requireDate(spec.end_at, 'end_at', true)
  requireDate(spec.anchor, 'anchor', true)
  if (spec.start_at && spec.end_at && spec.end_at < spec.start_at) throw new ValidationError('end_at', 'must not be before start_at')
  switch (spec.schedule_type) {
    case 'cron':
      if (typeof spec.cron_expression !== 'string') throw new ValidationError('cron', 'a cron schedule needs an expression such as "0 2 * * *"')
      parseCron(spec.cron_expression, spec.timezone)
      break
    case 'interval':
      if (!Number.isSafeInteger(spec.interval_ms) || (spec.interval_ms as number) <= 0) {
        throw new ValidationError('interval_ms', `must be a positive whole number of milliseconds, got ${String(spec.interval_ms)}`)
      }
      if (!spec.start_at && !spec.anchor) {
        throw new ValidationError('start_at', 'an interval schedule needs start_at or its creation time (anchor) to place its occurrences')
      }
      break
    case 'once':
      requireDate(spec.run_at, 'run_at', false)
      if ((spec.start_at && spec.run_at! < spec.start_at) || (spec.end_at && spec.run_at! > spec.end_at)) {
        throw new ValidationError('run_at', 'lies outside start_at..end_at, so it would never fire')
      }
      break
  }
}

const date = (ms: number): Date => new Date(ms)

/** Validates `spec` once and returns its occurrences, for callers that walk many of them. */
export function occurrencesOf(spec: ScheduleSpec): Occurrences {
  validateScheduleSpec(spec)
  // Occurrences lie in (lower, upper], in epoch milliseconds.
  const upper = spec.end_at?.getTime() ?? Infinity
  const startBound = spec.start_at ? spec.start_at.getTime() - 1 : -Infinity
  const lower = spec.schedule_type === 'once' ? startBound : Math.max(startBound, spec.anchor?.getTime() ?? -Infinity)

  switch (spec.schedule_type) {
    case 'once': {
      const at = spec.run_at!.getTime()
      return {
        next: (after) => (at > after.getTime() ? date(at) : null),
        previous: (before) => (at < before.getTime() ? date(at) : null),
        count: (after, upTo) => (at > after.getTime() && at <= upTo.getTime() ? 1 : 0),
      }
    }
    case 'interval': {
      const step = spec.interval_ms!
      const origin = (spec.start_at ?? spec.anchor)!.getTime()
      const firstK = spec.start_at ? 0 : 1
      // The index of the first occurrence strictly after `ms`, and of the last at or before it.
      const firstAfter = (ms: number): number => Math.max(firstK, Math.floor((Math.max(ms, lower) - origin) / step) + 1)
      const lastAtOrBefore = (ms: number): number => Math.floor((Math.min(ms, upper) - origin) / step)
      return {
        next(after) {
          const t = origin + firstAfter(after.getTime()) * step
          return t <= upper ? date(t) : null
        },
        previous(before) {
          const k = lastAtOrBefore(before.getTime() - 1)
          const t = origin + k * step
          return k >= firstK && t > lower ? date(t) : null
        },
        count: (after, upTo) => Math.max(0, lastAtOrBefore(upTo.getTime()) - firstAfter(after.getTime()) + 1),
      }
    }
    case 'cron': {
      const cron = parseCron(spec.cron_expression!, spec.timezone)
      return {
        next(after) {
          const t = cron.next(date(Math.max(after.getTime(), lower)))
          return t && t.getTime() <= upper ? t : null
        },
        previous(before) {
          const t = cron.previous(date(Math.min(before.getTime(), upper + 1)))
          return t && t.getTime() > lower ? t : null
        },
      }
    }
  }
}

/**
 * The first nominal occurrence strictly after `after`, or null when the schedule has no more
 * (past end_at, or a `once` already passed). Throws ValidationError when `spec` is invalid.
 */
export function nextOccurrence(spec: ScheduleSpec, after: Date): Date | null {
  return occurrencesOf(spec).next(after)
}

/** The last nominal occurrence strictly before `before`, or null. Throws ValidationError when `spec` is invalid. */
export function previousOccurrence(spec: ScheduleSpec, before: Date): Date | null {
  return occurrencesOf(spec).previous(before)
}
