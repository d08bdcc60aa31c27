import type { Insertable, Selectable } from 'kysely'
import { ValidationError } from '../src/errors.js'
import { PRIORITY_RANK, type EventPriority } from '../src/model/event.js'
import type { Logger } from '../src/runtime/logger.js'
import { occurrenceId, occurrencesOf, planDueOccurrences, type MissedPolicy, type ScheduleSpec, type ScheduleType } from '../src/schedule/index.js'
import type { Db } from '../src/store/database.js'
import type { EventRow } from '../src/store/repositories/events.js'
import type { EventSchedulesTable, ScheduleOccurrencesTable } from '../src/store/schema.js'
import { writeTransaction } from '../src/store/transaction.js'
import type { DueSource } from './wakeups.js'

export type ScheduleRow = Selectable<EventSchedulesTable>
export type Decision = 'fired' | 'skipped-missed' | 'skipped-overlap' | 'capped'

/** Schedules looked at per transaction; more due ones are taken at once by the next tick. */
const BATCH = 500
/** A timer may fire a millisecond or two before its time (libuv's cached clock): wait that out rather than re-arm. */
const EARLY_SLACK_MS = 5
/** Event statuses that mean the previous occurrence is still being handled (overlap `skip`). */
const UNFINISHED = ['scheduled', 'pending', 'processing']

/** The schedule maths' view of a stored schedule. The creation time anchors intervals and bounds the past. */
export function specOf(row: ScheduleRow): ScheduleSpec {
  const date = (v: string | null) => (v ? new Date(v) : undefined)
  return {
    schedule_type: row.schedule_type as ScheduleType,
    cron_expression: row.cron_expression ?? undefined,
    interval_ms: row.interval_ms ?? undefined,
    run_at: date(row.run_at),
    timezone: row.timezone,
    start_at: date(row.start_at),
    end_at: date(row.end_at),
    anchor: new Date(row.created_at),
  }
}

/**
 * Records decisions for occurrences of `row` and creates the events of the fired ones, with the
 * occurrence id as event id and trigger id. An occurrence already decided (by another runtime) is
 * left alone: only the events of occurrences inserted here are created and returned.
 */
export async function recordOccurrences(
  trx: Db,
  row: ScheduleRow,
  decisions: { nominal: Date; decision: Decision }[],
  ctx: { now: Date; runtimeId: string | null; source: 'schedule' | 'run-now' },
): Promise<EventRow[]> {
  if (decisions.length === 0) return []
  const nowIso = ctx.now.toISOString()
  const occurrences: Insertable<ScheduleOccurrencesTable>[] = decisions.map(({ nominal, decision }) => {
    const id = occurrenceId(row.id, nominal)
    return {
      occurrence_id: id,
      schedule_id: row.id,
      nominal_at: nominal.toISOString(),
      decision,
      event_id: decision === 'fired' ? id : null,
      source: ctx.source,
      runtime_id: ctx.runtimeId,
      decided_at: nowIso,
    }
  })
  const inserted = await trx
    .insertInto('schedule_occurrences')
    .values(occurrences)
    .onConflict((oc) => oc.column('occurrence_id').doNothing())
    .returning(['occurrence_id', 'nominal_at', 'decision'])
    .execute()
  const fired = inserted.filter((o) => o.decision === 'fired')
  if (fired.length === 0) return []
  const priority = row.event_priority as EventPriority
  return trx
    .insertInto('events')
    .values(
      fired.map((o) => ({
        id: o.occurrence_id,
        name: row.name ?? row.event_type,
        type: row.event_type,
        priority,
        priority_rank: PRIORITY_RANK[priority],
        data: row.event_data,
        metadata: JSON.stringify({ schedule_id: row.id, nominal_at: o.nominal_at }),
        trigger_type: 'scheduled',
        trigger_id: o.occurrence_id,
        status: 'pending',
        // The nominal time: `created_at - scheduled_at` is how late the occurrence fired.
        scheduled_at: o.nominal_at,
        published_at: null,
        routed_at: null,
        created_at: nowIso,
        updated_at: nowIso,
        completed_at: null,
        error: null,
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .execute()
}

/** True while the event of the schedule's latest fired occurrence is not finished. */
async function previousUnfinished(trx: Db, scheduleId: string): Promise<boolean> {
  const last = await trx
    .selectFrom('schedule_occurrences')
    .innerJoin('events', 'events.id', 'schedule_occurrences.event_id')
    .select('events.status')
    .where('schedule_occurrences.schedule_id', '=', scheduleId)
    .where('schedule_occurrences.decision', '=', 'fired')
    .orderBy('schedule_occurrences.nominal_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  return last !== undefined && UNFINISHED.includes(last.status)
}

/**
 * Decides every occurrence of one due schedule up to `now` (per its missed and overlap policies),
 * records the decisions, creates the fired events and moves `next_run_at` on. A schedule with no
 * further occurrence is completed.
 */
/** Late occurrences fired in one go before the rest are left to the missed policy. */
const LATE_LIMIT = 1000

/**
 * Occurrences that came due while this scheduler was running are late, not missed (the process was
 * busy, not down): they all fire. Only what came due before it started is for the missed policy.
 */
function lateOccurrences(row: ScheduleRow, now: Date, watchingSince: number): { fire: Date[]; next: Date | null } | null {
  const last = row.last_nominal_at ? new Date(row.last_nominal_at) : null
  const created = new Date(row.created_at)
  const floor = last ?? (created.getTime() >= watchingSince ? created : null)
  if (!floor || floor.getTime() < watchingSince) return null
  const occurrences = occurrencesOf(specOf(row))
  const fire: Date[] = []
  let t: Date | null = floor
  while ((t = occurrences.next(t)) && t <= now) {
    if (fire.length === LATE_LIMIT) return null
    fire.push(t)
  }
  return { fire, next: t }
}

async function advance(trx: Db, row: ScheduleRow, now: Date, runtimeId: string, toleranceMs: number, watchingSince: number, log: Logger): Promise<EventRow[]> {
  const late = lateOccurrences(row, now, watchingSince)
  const plan = late
    ? { fire: late.fire, skipped: [], capped: [], skippedCount: 0, cappedCount: 0, lastNominal: late.fire.at(-1) ?? null, next: late.next }
    : planDueOccurrences({
        spec: specOf(row),
        lastNominal: row.last_nominal_at ? new Date(row.last_nominal_at) : null,
        now,
        missedPolicy: row.missed_policy as MissedPolicy,
        maxCatchup: row.max_catchup,
        toleranceMs,
      })
  let fire = plan.fire
  let overlapped: Date[] = []
  if (row.overlap_policy === 'skip' && fire.length > 0) {
    // Firing several catch-ups at once would overlap them with each other: only the latest may fire.
    const keep = (await previousUnfinished(trx, row.id)) ? 0 : 1
    overlapped = fire.slice(0, fire.length - keep)
    fire = fire.slice(fire.length - keep)
  }
  const decisions = [
    ...plan.capped.map((nominal) => ({ nominal, decision: 'capped' as const })),
    ...plan.skipped.map((nominal) => ({ nominal, decision: 'skipped-missed' as const })),
    ...overlapped.map((nominal) => ({ nominal, decision: 'skipped-overlap' as const })),
    ...fire.map((nominal) => ({ nominal, decision: 'fired' as const })),
  ]
  const events = await recordOccurrences(trx, row, decisions, { now, runtimeId, source: 'schedule' })
  if (plan.skippedCount + plan.cappedCount > plan.skipped.length + plan.capped.length) {
    // Only the most recent missed occurrences get a row each; the count of the rest is logged.
    log.warn(`schedule ${row.id}: ${plan.skippedCount} missed occurrences skipped and ${plan.cappedCount} capped; the most recent are recorded`)
  }
  const nowIso = now.toISOString()
  await trx
    .updateTable('event_schedules')
    .set({
      last_nominal_at: plan.lastNominal?.toISOString() ?? row.last_nominal_at,
      next_run_at: plan.next?.toISOString() ?? null,
      status: plan.next ? 'active' : 'completed',
      last_run_at: fire.length > 0 ? nowIso : row.last_run_at,
      updated_at: nowIso,
    })
    .where('id', '=', row.id)
    .execute()
  return events
}

export interface SchedulerDeps {
  db: Db
  runtimeId: string
  log: Logger
  /** Sends committed events on their way (`sp.events.<type>`, message id = event id). */
  publish(rows: EventRow[]): void
  /** Lateness within which an occurrence is on time rather than missed (default: the schedule maths' 1 s). */
  toleranceMs?: number
}

/**
 * The scheduler: a DueSource whose due time is the earliest `next_run_at` of the active schedules,
 * so the runtime's one wake-up timer is armed for it. Firing takes SQLite's write lock (BEGIN
 * IMMEDIATE) and re-reads the due schedules under it, so runtimes sharing a database take turns,
 * and the second finds the occurrences decided; the unique occurrence id is the last guard.
 */
export function schedulerSource(deps: SchedulerDeps): DueSource {
  const toleranceMs = deps.toleranceMs ?? 1_000
  const watchingSince = Date.now()
  const earliest = async (): Promise<number | null> => {
    const row = await deps.db
      .selectFrom('event_schedules')
      .select((eb) => eb.fn.min('next_run_at').as('next'))
      .where('status', '=', 'active')
      .executeTakeFirst()
    return row?.next ? Date.parse(row.next) : null
  }
  return {
    name: 'schedules',
    nextDueAt: earliest,
    async fireDue(at) {
      const first = await earliest()
      if (first === null) return
      if (first > at && first - at <= EARLY_SLACK_MS) {
        await new Promise((resolve) => setTimeout(resolve, first - at))
        while (Date.now() < first) await new Promise((resolve) => setImmediate(resolve))
      }
      const now = new Date(Math.max(at, Date.now()))
      if (first > now.getTime()) return
      const events = await writeTransaction(deps.db, async (trx) => {
        const due = await trx
          .selectFrom('event_schedules')
          .selectAll()
          .where('status', '=', 'active')
          .where('next_run_at', '<=', now.toISOString())
          .orderBy('next_run_at')
          .limit(BATCH)
          .execute()
        const created: EventRow[] = []
        for (const row of due) {
          try {
            created.push(...(await advance(trx, row, now, deps.runtimeId, toleranceMs, watchingSince, deps.log)))
          } catch (err) {
            // A schedule the maths refuses (its stored fields became invalid) is stopped, not retried forever.
            if (!(err instanceof ValidationError)) throw err
            deps.log.error(`schedule ${row.id} cannot be planned and is stopped`, { error: err.message })
            await trx
              .updateTable('event_schedules')
              .set({ status: 'failed', last_error: err.message, next_run_at: null, updated_at: now.toISOString() })
              .where('id', '=', row.id)
              .execute()
          }
        }
        return created
      })
      if (events.length > 0) deps.publish(events)
    },
  }
}

