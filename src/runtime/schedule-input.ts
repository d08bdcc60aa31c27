/** Schedule input: validation, the stored row, previews. Pure but for the clock. */
import type { Insertable } from 'kysely'
import { z } from 'zod'
import { type ScheduleRow } from '../../actors/scheduler.js'
import { parseInput, ValidationError } from '../errors.js'
import { EVENT_PRIORITIES, eventTypeSchema, isoTimeSchema, type EventPriority } from '../model/event.js'
import { newId } from '../model/ids.js'
import { MAX_CATCHUP_LIMIT, occurrencesOf, parseDuration, validateScheduleSpec } from '../schedule/index.js'
import type { MissedPolicy, ScheduleSpec, ScheduleType } from '../schedule/index.js'
import type { EventSchedulesTable } from '../store/schema.js'

const SCHEDULE_TYPES = ['cron', 'interval', 'once'] as const
export const MAX_NEXT_RUNS = 1000
export const RECENT_OCCURRENCES = 20

/** Milliseconds as a number, or a duration such as `30s`, `5m`, `1h`; zero and negatives are named as such. */
const intervalSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const asNumber = typeof value === 'number' ? value : /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN
  if (asNumber <= 0 || (typeof value === 'string' && value.trim().startsWith('-'))) {
    ctx.addIssue({ code: 'custom', message: `must be > 0, got ${JSON.stringify(value)}` })
    return z.NEVER
  }
  try {
    return parseDuration(value, 'interval_ms')
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    ctx.addIssue({ code: 'custom', message: error.issues[0]?.message ?? error.message })
    return z.NEVER
  }
})

/** When a schedule fires, without what it fires: the part `nextRuns` previews. */
const timingFields = {
  schedule_type: z.enum(SCHEDULE_TYPES),
  cron_expression: z.string().min(1).optional(),
  interval_ms: intervalSchema.optional(),
  run_at: isoTimeSchema.optional(),
  timezone: z.string().min(1).optional(),
  start_at: isoTimeSchema.optional(),
  end_at: isoTimeSchema.optional(),
}

export const scheduleEventSchema = z.strictObject({
  name: z.string().min(1).max(500).optional(),
  event_type: eventTypeSchema,
  event_data: z.record(z.string(), z.unknown()).default({}),
  priority: z.enum(EVENT_PRIORITIES).default('normal'),
  ...timingFields,
  /** The seed's field: accepted as the earliest time the schedule may fire (start_at). It is never required. */
  next_run_at: isoTimeSchema.optional(),
  missed_policy: z.enum(['skip', 'once', 'all']).default('once'),
  max_catchup: z.number().int().min(0).max(MAX_CATCHUP_LIMIT).default(10),
  overlap_policy: z.enum(['allow', 'skip']).default('allow'),
})
export type ScheduleEventInput = z.input<typeof scheduleEventSchema>

export const scheduleTimingSchema = z.strictObject({ ...timingFields, schedule_type: timingFields.schedule_type.default('cron') })
export type ScheduleTimingInput = z.input<typeof scheduleTimingSchema>

export type ScheduleStatus = 'active' | 'paused' | 'completed' | 'failed'

export interface ScheduleRecord {
  id: string
  name: string | null
  event_type: string
  event_data: Record<string, unknown>
  priority: EventPriority
  schedule_type: ScheduleType
  cron_expression: string | null
  interval_ms: number | null
  run_at: string | null
  timezone: string
  start_at: string | null
  end_at: string | null
  missed_policy: MissedPolicy
  max_catchup: number
  overlap_policy: 'allow' | 'skip'
  status: ScheduleStatus
  next_run_at: string | null
  last_run_at: string | null
  last_nominal_at: string | null
  last_error: string | null
  created_at: string
  updated_at: string
}

export interface OccurrenceRecord {
  occurrence_id: string
  nominal_at: string
  decision: string
  event_id: string | null
  source: string
  runtime_id: string | null
  decided_at: string
}

export interface ScheduleWithOccurrences extends ScheduleRecord {
  /** How many occurrences got each decision. */
  decisions: Record<string, number>
  /** The most recent occurrences, newest first. */
  occurrences: OccurrenceRecord[]
}

export function toRecord(row: ScheduleRow): ScheduleRecord {
  const { event_priority, event_data, ...rest } = row
  return {
    ...rest,
    event_data: JSON.parse(event_data) as Record<string, unknown>,
    priority: event_priority as EventPriority,
    schedule_type: row.schedule_type as ScheduleType,
    missed_policy: row.missed_policy as MissedPolicy,
    overlap_policy: row.overlap_policy as 'allow' | 'skip',
    status: row.status as ScheduleStatus,
  }
}

/** Runs the schedule maths' validation, naming our fields (`cron_expression`, not the maths' `cron`). */
export function checkSpec(spec: ScheduleSpec): void {
  try {
    validateScheduleSpec(spec)
  } catch (error) {
    if (error instanceof ValidationError && error.field === 'cron') {
      throw new ValidationError('cron_expression', error.message.replace(/^cron: /, ''), undefined, { cause: error })
    }
    throw error
  }
}

/** Exactly the fields its type needs: a stray `interval_ms` on a cron schedule is a mistake worth naming. */
export function specFromTiming(t: z.output<typeof scheduleTimingSchema>, timezone: string, anchor: Date): ScheduleSpec {
  const needs = { cron: 'cron_expression', interval: 'interval_ms', once: 'run_at' } as const
  for (const [type, field] of Object.entries(needs)) {
    const given = t[field] !== undefined
    if (type === t.schedule_type && !given) throw new ValidationError(field, `is required for schedule_type ${type}`)
    if (type !== t.schedule_type && given) throw new ValidationError(field, `only applies to schedule_type ${type}, not ${t.schedule_type}`)
  }
  const spec: ScheduleSpec = { schedule_type: t.schedule_type, timezone, anchor }
  if (t.cron_expression !== undefined) spec.cron_expression = t.cron_expression
  if (t.interval_ms !== undefined) spec.interval_ms = t.interval_ms
  if (t.run_at) spec.run_at = t.run_at
  if (t.start_at) spec.start_at = t.start_at
  if (t.end_at) spec.end_at = t.end_at
  checkSpec(spec)
  return spec
}

/**
 * Validates a new schedule and computes its first run; throws ValidationError naming the field.
 * Pure (no database), so the CLI refuses bad input before opening anything.
 */
export function validateSchedule(input: ScheduleEventInput, defaultTimezone: string, now = new Date()): Insertable<EventSchedulesTable> {
  const s = parseInput(scheduleEventSchema, input)
  if (s.next_run_at && s.start_at && s.next_run_at.getTime() !== s.start_at.getTime()) {
    throw new ValidationError('next_run_at', 'is computed from the schedule; give start_at alone for the earliest run')
  }
  const start_at = s.start_at ?? s.next_run_at
  const spec = specFromTiming({ ...s, start_at }, s.timezone ?? defaultTimezone, now)
  if (spec.run_at && spec.run_at.getTime() <= now.getTime()) throw new ValidationError('run_at', `is in the past (${spec.run_at.toISOString()})`)
  const next = occurrencesOf(spec).next(now)
  if (!next) throw new ValidationError('end_at', 'comes before the first occurrence: the schedule would never fire')
  const iso = now.toISOString()
  return {
    id: newId('sch'),
    name: s.name ?? null,
    event_type: s.event_type,
    event_data: JSON.stringify(s.event_data),
    event_priority: s.priority,
    schedule_type: s.schedule_type,
    cron_expression: s.cron_expression?.trim() ?? null,
    interval_ms: s.interval_ms ?? null,
    run_at: s.run_at?.toISOString() ?? null,
    timezone: spec.timezone,
    start_at: start_at?.toISOString() ?? null,
    end_at: s.end_at?.toISOString() ?? null,
    missed_policy: s.missed_policy,
    max_catchup: s.max_catchup,
    overlap_policy: s.overlap_policy,
    status: 'active',
    next_run_at: next.toISOString(),
    last_run_at: null,
    last_nominal_at: null,
    created_at: iso,
    updated_at: iso,
  }
}

/** The next `count` occurrences of a schedule given by its timing alone, after `from`; ISO-8601 UTC. */
export function previewRuns(timing: ScheduleTimingInput, defaultTimezone: string, options: { from?: Date | string; count?: number } = {}): string[] {
  const t = parseInput(scheduleTimingSchema, timing)
  const { from, count } = parseInput(nextRunsOptions, options)
  return listNext(specFromTiming(t, t.timezone ?? defaultTimezone, from), from, count)
}

export const nextRunsOptions = z.strictObject({
  from: isoTimeSchema.optional().transform((d) => d ?? new Date()),
  count: z.number().int().min(1).max(MAX_NEXT_RUNS).default(5),
})

export function listNext(spec: ScheduleSpec, from: Date, count: number): string[] {
  const occurrences = occurrencesOf(spec)
  const times: string[] = []
  for (let t = occurrences.next(from); t && times.length < count; t = occurrences.next(t)) times.push(t.toISOString())
  return times
}
