import { CronExpressionParser } from 'cron-parser'
import { isValidTimeZone } from '../config/schema.js'
import { ValidationError } from '../errors.js'
import { readCronSyntax } from './cron-syntax.js'
import { firstTransitionBetween, lastTransitionBetween, offsetAt } from './time-zone.js'
import { WallMatcher } from './wall-matcher.js'

/**
 * Cron occurrences in an IANA time zone, with defined behaviour when the clocks change.
 *
 * cron-parser parses the expression; WallMatcher finds the local wall-clock times it matches; this
 * file maps each matching wall time to the instants it names:
 * - a wall time that exists once fires once;
 * - a wall time in the skipped spring-forward hour fires shifted forward by the gap
 *   (02:30 becomes 03:30), so a job at a fixed local time still fires exactly once that day;
 * - a wall time in the repeated autumn hour fires once, at its first occurrence;
 * - except for jobs whose hour field admits every hour (every 30 minutes, `0 * * * *`, `@hourly`):
 *   they keep their rhythm in real time, firing in both copies of the repeated hour and not at all
 *   in the skipped one. A stepped or listed hour (every 2 hours, `0 9-17 * * *`) is a fixed time.
 * A shifted time that lands on another occurrence fires once.
 *
 * cron-parser's own iteration is not used: asked from a start inside a clock change it breaks these
 * rules (from 03:15 on the spring day it skips the 02:30 job shifted to 03:30; from inside the
 * repeated hour it fires a fixed-time job a second time), in zones whose clocks move by 30 minutes
 * (Australia/Lord_Howe) it skips the day or throws "loop limit exceeded", and each step costs
 * several hundred microseconds. test/schedule/cron-dst.test.ts checks the rules.
 */

export interface CronSchedule {
  /** The expression as written (trimmed). */
  readonly expression: string
  readonly timeZone: string
  /** Whether the expression has a seconds field (6 fields). */
  readonly hasSeconds: boolean
  /** Whether the hour field admits every hour; such jobs follow real time across clock changes. */
  readonly everyHour: boolean
  /** The first occurrence strictly after `after`, or null if there is none. */
  next(after: Date): Date | null
  /** The last occurrence strictly before `before`, or null if there is none. */
  previous(before: Date): Date | null
}

/** Far enough back to see the transition whose gap or repeat we may be in: no offset jumped more than a day. */
const LOOKBACK_MS = 2 * 86_400_000
/** Offset changes crossed in one search before giving up (about 500 years of twice-yearly changes). */
const MAX_SEGMENTS = 1_000
/** Most times one nextCronTimes call lists. */
export const MAX_CRON_TIMES = 10_000
const CACHE_SIZE = 500

/** A stretch of time with one offset, and the change that began it (start -Infinity: none lately). */
interface Segment {
  offset: number
  start: number
  previousOffset: number
}

function segmentAt(timeZone: string, instant: number): Segment {
  const offset = offsetAt(timeZone, instant)
  const change = lastTransitionBetween(timeZone, instant - LOOKBACK_MS, instant)
  return change ? { offset, start: change.at, previousOffset: change.before } : { offset, start: -Infinity, previousOffset: offset }
}

class ZonedCron implements CronSchedule {
  constructor(
    readonly expression: string,
    readonly timeZone: string,
    readonly hasSeconds: boolean,
    readonly everyHour: boolean,
    private readonly wall: WallMatcher,
  ) {}

  next(after: Date): Date | null {
    let from = after.getTime()
    let segment = segmentAt(this.timeZone, from)
    for (let i = 0; i < MAX_SEGMENTS; i++) {
      const candidate = this.firstInSegment(segment, from)
      if (candidate === null) return null
      // An offset change before the candidate means its wall time belongs to a later segment.
      const change = firstTransitionBetween(this.timeZone, Math.max(from, segment.start), candidate)
      if (!change) return new Date(candidate)
      segment = { offset: change.after, start: change.at, previousOffset: change.before }
      from = change.at - 1
    }
    return null
  }

  previous(before: Date): Date | null {
    let until = before.getTime()
    for (let i = 0; i < MAX_SEGMENTS; i++) {
      const candidate = this.lastInSegment(segmentAt(this.timeZone, until - 1), until)
      if (candidate === null) return null
      const change = lastTransitionBetween(this.timeZone, candidate, until - 1)
      if (!change) return new Date(candidate)
      until = change.at
    }
    return null
  }

  /** The earliest occurrence after `from` reading wall times with the segment's offset (may lie past the segment). */
  private firstInSegment(segment: Segment, from: number): number | null {
    const { offset, start, previousOffset } = segment
    let low = from + offset
    // Fixed-time jobs skip the second copy of the repeated wall times: [start + offset, start + previousOffset).
    if (!this.everyHour && previousOffset > offset) low = Math.max(low, start + previousOffset - 1)
    const wall = this.wall.after(low)
    let best = wall === null ? null : wall - offset
    // Fixed-time jobs in the skipped wall times [start + previousOffset, start + offset) fire shifted by the gap.
    if (!this.everyHour && previousOffset < offset) {
      const gapWall = this.wall.after(from + previousOffset)
      if (gapWall !== null && gapWall < start + offset) best = Math.min(best ?? Infinity, gapWall - previousOffset)
    }
    return best
  }

  /** The latest occurrence before `until` reading wall times with the segment's offset (may lie before the segment). */
  private lastInSegment(segment: Segment, until: number): number | null {
    const { offset, start, previousOffset } = segment
    const wall = this.wall.before(until + offset)
    let best: number | null = null
    if (wall !== null) {
      // A second copy of a repeated wall time stands for its first, which lies in the previous segment.
      const secondCopy = !this.everyHour && previousOffset > offset && wall < start + previousOffset
      best = wall - (secondCopy ? previousOffset : offset)
    }
    if (!this.everyHour && previousOffset < offset) {
      const gapWall = this.wall.before(Math.min(until + previousOffset, start + offset))
      if (gapWall !== null && gapWall >= start + previousOffset) best = Math.max(best ?? -Infinity, gapWall - previousOffset)
    }
    return best
  }

}

const cache = new Map<string, CronSchedule>()

/** Throws ValidationError('timezone', ...) unless `timeZone` is a valid IANA name. */
export function assertTimeZone(timeZone: string): void {
  if (typeof timeZone !== 'string' || !isValidTimeZone(timeZone)) {
    throw new ValidationError('timezone', `"${String(timeZone)}" is not a valid IANA time zone name, such as "UTC", "Europe/London" or "America/New_York"`)
  }
}

/**
 * Validates a cron expression and time zone and returns its schedule. Throws ValidationError naming
 * `cron` (and the field at fault: `cron: minute field "61" out of range 0-59`) or `timezone`.
 * Day-of-month and day-of-week both restricted means either (classic cron).
 */
export function parseCron(expression: string, timeZone: string): CronSchedule {
  const key = `${timeZone}\n${expression}`
  const cached = cache.get(key)
  if (cached) return cached
  const syntax = readCronSyntax(expression)
  assertTimeZone(timeZone)
  let fields
  try {
    fields = CronExpressionParser.parse(syntax.normalized, { tz: 'UTC', currentDate: new Date(0) }).fields
  } catch (error) {
    throw new ValidationError('cron', `"${expression.trim()}": ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error })
  }
  const schedule = new ZonedCron(expression.trim(), timeZone, syntax.hasSeconds, fields.hour.values.length === 24, new WallMatcher(fields))
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string)
  cache.set(key, schedule)
  return schedule
}

/** The first `count` occurrences strictly after `from` (fewer if the schedule ends), oldest first. */
export function nextCronTimes(expression: string, timeZone: string, from: Date, count: number): Date[] {
  if (!Number.isInteger(count) || count < 0 || count > MAX_CRON_TIMES) {
    throw new ValidationError('count', `must be a whole number from 0 to ${MAX_CRON_TIMES}, got ${count}`)
  }
  if (!(from instanceof Date) || Number.isNaN(from.getTime())) throw new ValidationError('from', 'must be a valid date')
  const schedule = parseCron(expression, timeZone)
  const times: Date[] = []
  for (let after: Date | null = from; times.length < count; ) {
    after = schedule.next(after)
    if (!after) break
    times.push(after)
  }
  return times
}
