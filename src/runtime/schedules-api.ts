import type { Insertable } from 'kysely'
import { recordOccurrences, specOf, type ScheduleRow } from '../../actors/scheduler.js'
import { ConflictError, NotFoundError, parseInput } from '../errors.js'
import { occurrencesOf, previousOccurrence } from '../schedule/index.js'
import type { Db } from '../store/database.js'
import type { EventRow } from '../store/repositories/events.js'
import type { EventSchedulesTable } from '../store/schema.js'
import { writeTransaction } from '../store/transaction.js'
import { audit } from './audit.js'
import {
  listNext,
  nextRunsOptions,
  previewRuns,
  RECENT_OCCURRENCES,
  toRecord,
  validateSchedule,
  type ScheduleEventInput,
  type ScheduleRecord,
  type ScheduleStatus,
  type ScheduleTimingInput,
  type ScheduleWithOccurrences,
} from './schedule-input.js'

export {
  previewRuns,
  scheduleEventSchema,
  scheduleTimingSchema,
  validateSchedule,
  type ScheduleEventInput,
  type ScheduleRecord,
  type ScheduleStatus,
  type ScheduleTimingInput,
  type ScheduleWithOccurrences,
} from './schedule-input.js'

export interface SchedulesApiDeps {
  db: Db
  actor: string
  /** The `scheduling.timezone` of the configuration: cron fields are read in it unless a schedule names its own. */
  defaultTimezone: string
  /** Tells running runtimes to re-read due times (a schedule was created or resumed). */
  wake(): void
  /** Sends committed events on their way (run now). */
  publish(rows: EventRow[]): void
}

/** Creating, reading and steering schedules. The scheduler actor fires them. */
export class SchedulesApi {
  constructor(private readonly deps: SchedulesApiDeps) {}

  /** Validates and stores a schedule (`next_run_at` computed), then wakes running runtimes. */
  async scheduleEvent(input: ScheduleEventInput): Promise<ScheduleRecord> {
    const row = validateSchedule(input, this.deps.defaultTimezone)
    const stored = await this.deps.db.insertInto('event_schedules').values(row).returningAll().executeTakeFirstOrThrow()
    await audit(this.deps.db, this.deps.actor, 'schedule.create', { type: 'schedule', id: stored.id })
    this.deps.wake()
    return toRecord(stored)
  }

  async listSchedules(filter: { status?: ScheduleStatus } = {}): Promise<ScheduleRecord[]> {
    let q = this.deps.db.selectFrom('event_schedules').selectAll()
    if (filter.status) q = q.where('status', '=', filter.status)
    return (await q.orderBy('created_at').orderBy('id').execute()).map(toRecord)
  }

  /** The schedule with the decision counts and its most recent occurrences. */
  async getSchedule(id: string, options: { occurrences?: number } = {}): Promise<ScheduleWithOccurrences> {
    const row = await this.row(this.deps.db, id)
    const occurrences = await this.deps.db
      .selectFrom('schedule_occurrences')
      .select(['occurrence_id', 'nominal_at', 'decision', 'event_id', 'source', 'runtime_id', 'decided_at'])
      .where('schedule_id', '=', id)
      .orderBy('nominal_at', 'desc')
      .limit(options.occurrences ?? RECENT_OCCURRENCES)
      .execute()
    const counts = await this.deps.db
      .selectFrom('schedule_occurrences')
      .select((eb) => ['decision', eb.fn.countAll<number>().as('count')])
      .where('schedule_id', '=', id)
      .groupBy('decision')
      .execute()
    return { ...toRecord(row), decisions: Object.fromEntries(counts.map((c) => [c.decision, Number(c.count)])), occurrences }
  }

  /** Stops firing. Occurrences that come due while paused are not fired on resume. */
  async pause(id: string): Promise<ScheduleRecord> {
    return this.change(id, 'pause', (row) => {
      if (row.status === 'paused') return {}
      if (row.status !== 'active') throw new ConflictError(`schedule "${id}" is ${row.status}: only an active schedule can be paused`)
      return { status: 'paused' }
    })
  }

  /** Fires again from the next occurrence after now; what came due while paused stays unfired. */
  async resume(id: string): Promise<ScheduleRecord> {
    const now = new Date()
    const record = await this.change(id, 'resume', (row) => {
      if (row.status === 'active') return {}
      if (row.status !== 'paused') throw new ConflictError(`schedule "${id}" is ${row.status}: only a paused schedule can be resumed`)
      const spec = specOf(row)
      const last = row.last_nominal_at ? new Date(row.last_nominal_at) : null
      const passed = previousOccurrence(spec, new Date(now.getTime() + 1))
      const lastNominal = passed && (!last || passed > last) ? passed : last
      const next = occurrencesOf(spec).next(lastNominal && lastNominal > now ? lastNominal : now)
      return {
        status: next ? 'active' : 'completed',
        last_nominal_at: lastNominal?.toISOString() ?? null,
        next_run_at: next?.toISOString() ?? null,
      }
    })
    this.deps.wake()
    return record
  }

  /** Deletes the schedule and its occurrence records; the events it fired stay. */
  async remove(id: string): Promise<void> {
    await writeTransaction(this.deps.db, async (trx) => {
      await this.row(trx, id)
      await trx.deleteFrom('schedule_occurrences').where('schedule_id', '=', id).execute()
      await trx.deleteFrom('event_schedules').where('id', '=', id).execute()
    })
    await audit(this.deps.db, this.deps.actor, 'schedule.remove', { type: 'schedule', id })
  }

  /** The next `count` occurrences after `from` (default now) of a stored schedule, or of a timing given inline. */
  async nextRuns(target: string | ScheduleTimingInput, options: { from?: Date | string; count?: number } = {}): Promise<string[]> {
    if (typeof target !== 'string') return previewRuns(target, this.deps.defaultTimezone, options)
    const { from, count } = parseInput(nextRunsOptions, options)
    const row = await this.row(this.deps.db, target)
    const last = row.last_nominal_at ? new Date(row.last_nominal_at) : null
    return listNext(specOf(row), last && last > from ? last : from, count)
  }

  /** Fires one occurrence now (nominal time = now), whatever the schedule's state; its event is published at once. */
  async runNow(id: string): Promise<{ occurrence_id: string; event_id: string }> {
    const now = new Date()
    const events = await writeTransaction(this.deps.db, async (trx) => {
      const row = await this.row(trx, id)
      const created = await recordOccurrences(trx, row, [{ nominal: now, decision: 'fired' }], { now, runtimeId: null, source: 'run-now' })
      if (created.length === 0) throw new ConflictError(`schedule "${id}" already has an occurrence at ${now.toISOString()}: try again`)
      await trx.updateTable('event_schedules').set({ last_run_at: now.toISOString(), updated_at: now.toISOString() }).where('id', '=', id).execute()
      return created
    })
    await audit(this.deps.db, this.deps.actor, 'schedule.run', { type: 'schedule', id }, { occurrence_id: events[0]!.id })
    this.deps.publish(events)
    return { occurrence_id: events[0]!.id, event_id: events[0]!.id }
  }

  private async row(db: Db, id: string): Promise<ScheduleRow> {
    const row = await db.selectFrom('event_schedules').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw new NotFoundError('schedule', id)
    return row
  }

  private async change(id: string, action: string, decide: (row: ScheduleRow) => Partial<Insertable<EventSchedulesTable>>): Promise<ScheduleRecord> {
    const row = await writeTransaction(this.deps.db, async (trx) => {
      const current = await this.row(trx, id)
      const set = decide(current)
      if (Object.keys(set).length === 0) return current
      return trx
        .updateTable('event_schedules')
        .set({ ...set, updated_at: new Date().toISOString() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow()
    })
    await audit(this.deps.db, this.deps.actor, `schedule.${action}`, { type: 'schedule', id })
    return toRecord(row)
  }
}
