import { ValidationError } from '../errors.js'
import { occurrencesOf } from './next-run.js'
import type { ScheduleSpec } from './next-run.js'

export type MissedPolicy = 'skip' | 'once' | 'all'

/** How late the most recent occurrence may be and still count as on time rather than missed. */
export const DEFAULT_DUE_TOLERANCE_MS = 1_000
/** Most occurrences listed in `skipped` and in `capped` (the most recent ones); the counts cover the rest. */
export const LISTED_LIMIT = 100
/** Most cron occurrences walked to count the missed ones; past it the counts are lower bounds. */
export const ENUMERATION_LIMIT = 10_000
export const MAX_CATCHUP_LIMIT = 10_000

export interface DueInput {
  spec: ScheduleSpec
  /** The latest occurrence already decided (fired, skipped or capped); null when there is none yet. */
  lastNominal: Date | null
  now: Date
  missedPolicy: MissedPolicy
  /** Under `all`, the most missed occurrences fired; older ones are capped. */
  maxCatchup: number
  /**
   * Lateness within which the most recent occurrence is on time, not missed (default 1000 ms). A
   * scheduler should pass at least the lateness its own wake-ups can have (its safety-net sweep
   * period), so that occurrences it was merely slow to fire are not treated as missed.
   */
  toleranceMs?: number
}

/**
 * The decision for every nominal occurrence in (lastNominal, now]: each one is fired, skipped or
 * capped. Lists are oldest first.
 */
export interface DuePlan {
  /** Fire now: the catch-ups the policy keeps, then the on-time occurrence if there is one. */
  fire: Date[]
  /** Missed and skipped by the policy: the most recent LISTED_LIMIT of them. */
  skipped: Date[]
  /** Missed and beyond max_catchup under `all`: the most recent LISTED_LIMIT of them. */
  capped: Date[]
  skippedCount: number
  cappedCount: number
  /** False when the missed cron occurrences outnumbered ENUMERATION_LIMIT: the counts are then lower bounds. */
  exact: boolean
  /** The latest occurrence decided here (the schedule's new lastNominal); the input's when none was due. */
  lastNominal: Date | null
  /** The first occurrence after now (and after lastNominal): when to wake. Null: the schedule is finished. */
  next: Date | null
}

function validate(input: DueInput): number {
  if (!(input.now instanceof Date) || Number.isNaN(input.now.getTime())) throw new ValidationError('now', 'must be a valid date')
  if (input.lastNominal !== null && (!(input.lastNominal instanceof Date) || Number.isNaN(input.lastNominal.getTime()))) {
    throw new ValidationError('last_nominal', 'must be a valid date or null')
  }
  if (!['skip', 'once', 'all'].includes(input.missedPolicy)) {
    throw new ValidationError('missed_policy', `must be skip, once or all, got "${String(input.missedPolicy)}"`)
  }
  if (!Number.isInteger(input.maxCatchup) || input.maxCatchup < 0 || input.maxCatchup > MAX_CATCHUP_LIMIT) {
    throw new ValidationError('max_catchup', `must be a whole number from 0 to ${MAX_CATCHUP_LIMIT}, got ${String(input.maxCatchup)}`)
  }
  const tolerance = input.toleranceMs ?? DEFAULT_DUE_TOLERANCE_MS
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new ValidationError('tolerance_ms', 'must be a non-negative number of milliseconds')
  const { spec } = input
  if (input.lastNominal === null && spec.schedule_type !== 'once' && !spec.start_at && !spec.anchor) {
    throw new ValidationError('anchor', 'a schedule that has not fired yet needs start_at or its creation time (anchor) to bound its missed runs')
  }
  return tolerance
}

/**
 * Decides what to do with the occurrences that came due since `lastNominal`. Pure: the caller
 * records the decisions and fires `fire`, each under its occurrence id.
 *
 * The most recent due occurrence, if no older than the tolerance, is on time and always fires.
 * The others were missed (the runtime was down or stalled): `skip` skips them all, `once` fires
 * the most recent and skips the rest, `all` fires the most recent `maxCatchup` and caps the rest.
 * The work is bounded whatever the gap: a month of an every-second schedule lists only the
 * occurrences it needs, and counts exactly for intervals, up to ENUMERATION_LIMIT for cron.
 */
export function planDueOccurrences(input: DueInput): DuePlan {
  const tolerance = validate(input)
  const { now, lastNominal, missedPolicy, maxCatchup } = input
  const occurrences = occurrencesOf(input.spec)
  const floor = lastNominal ?? new Date(-8.64e15)
  const nowMs = now.getTime()

  // The occurrences we may need to name, newest first: the on-time one, the catch-ups, the listed.
  const wanted = 1 + (missedPolicy === 'all' ? maxCatchup : missedPolicy === 'once' ? 1 : 0) + LISTED_LIMIT
  const recent: Date[] = []
  for (let cursor = new Date(nowMs + 1); recent.length < wanted; ) {
    const previous = occurrences.previous(cursor)
    if (!previous || previous <= floor) break
    recent.push(previous)
    cursor = previous
  }

  let total = recent.length
  let exact = true
  const oldest = recent.at(-1)
  if (recent.length === wanted && oldest) {
    if (occurrences.count) total = occurrences.count(floor, now)
    else {
      // Count the older ones by walking forward from the floor, at most ENUMERATION_LIMIT steps.
      let older = 0
      let t: Date | null = floor
      while (older < ENUMERATION_LIMIT && (t = occurrences.next(t)) && t < oldest) older++
      exact = t === null || t >= oldest
      total += older
    }
  }

  const latest = recent[0]
  const onTime = latest && nowMs - latest.getTime() <= tolerance ? latest : undefined
  const missed = onTime ? recent.slice(1) : recent
  const missedTotal = total - (onTime ? 1 : 0)
  const catchUp = missedPolicy === 'all' ? maxCatchup : missedPolicy === 'once' ? 1 : 0
  const fired = Math.min(catchUp, missedTotal)
  const oldestFirst = (dates: Date[]): Date[] => dates.slice(0, LISTED_LIMIT).reverse()
  const dropped = oldestFirst(missed.slice(fired))
  const droppedCount = missedTotal - fired
  return {
    fire: [...missed.slice(0, fired).reverse(), ...(onTime ? [onTime] : [])],
    skipped: missedPolicy === 'all' ? [] : dropped,
    capped: missedPolicy === 'all' ? dropped : [],
    skippedCount: missedPolicy === 'all' ? 0 : droppedCount,
    cappedCount: missedPolicy === 'all' ? droppedCount : 0,
    exact,
    lastNominal: latest ?? lastNominal,
    next: occurrences.next(lastNominal && lastNominal > now ? lastNominal : now),
  }
}
