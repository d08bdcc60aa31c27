import { ConflictError, NotFoundError, parseInput } from '../errors.js'
import {
  createEventSchema,
  listEventsSchema,
  PRIORITY_RANK,
  type CreateEventInput,
  type EventRecord,
  type ListEventsFilter,
} from '../model/event.js'
import { newId } from '../model/ids.js'
import type { Db } from '../store/database.js'
import { getEventRow, toEventRecord } from '../store/repositories/events.js'
import { executionsOfEvent, type ExecutionView } from '../store/repositories/executions.js'
import { writeTransaction } from '../store/transaction.js'
import { audit } from './audit.js'
import type { EventWriter } from './event-writer.js'

export interface EventWithExecutions extends EventRecord {
  executions: ExecutionView[]
}

export interface EventsApiDeps {
  db: Db
  writer: EventWriter
  actor: string
  /** Tells running runtimes that the database changed (cancel). */
  wake(): void
  /** A held event is due at `at` (epoch ms): this runtime's timer re-arms, or running runtimes are told. */
  held(at: number): void
}

/** Accepting, reading and cancelling events. */
export class EventsApi {
  constructor(private readonly deps: EventsApiDeps) {}

  /**
   * Validates and durably stores an event, then publishes it on `sp.events.<type>`. Resolves once
   * the event is committed: from then on it survives a crash. With `scheduled_at` in the future the
   * event is held (status `scheduled`) and released at that time. Giving an existing `id` returns
   * that event unchanged (idempotent create).
   */
  async createEvent(input: CreateEventInput): Promise<EventRecord> {
    const e = parseInput(createEventSchema, input)
    const now = new Date()
    const held = e.scheduled_at !== undefined && e.scheduled_at.getTime() > now.getTime()
    const iso = now.toISOString()
    const { row } = await this.deps.writer.write({
      id: e.id ?? newId('evt'),
      name: e.name ?? e.type,
      type: e.type,
      priority: e.priority,
      priority_rank: PRIORITY_RANK[e.priority],
      data: JSON.stringify(e.data),
      metadata: JSON.stringify(e.metadata),
      trigger_type: e.trigger_type,
      trigger_id: e.trigger_id ?? null,
      status: held ? 'scheduled' : 'pending',
      scheduled_at: e.scheduled_at ? e.scheduled_at.toISOString() : null,
      published_at: null,
      routed_at: null,
      created_at: iso,
      updated_at: iso,
      completed_at: null,
      error: null,
    })
    if (held) this.deps.held(e.scheduled_at!.getTime())
    return toEventRecord(row)
  }

  async getEvent(id: string): Promise<EventWithExecutions> {
    const row = await getEventRow(this.deps.db, id)
    if (!row) throw new NotFoundError('event', id)
    return { ...toEventRecord(row), executions: await executionsOfEvent(this.deps.db, id) }
  }

  async listEvents(filter: ListEventsFilter = {}): Promise<EventRecord[]> {
    const f = parseInput(listEventsSchema, filter)
    let q = this.deps.db.selectFrom('events').selectAll()
    if (f.type) q = q.where('type', '=', f.type)
    if (f.status) q = q.where('status', '=', f.status)
    if (f.priority) q = q.where('priority', '=', f.priority)
    if (f.trigger_type) q = q.where('trigger_type', '=', f.trigger_type)
    if (f.created_after) q = q.where('created_at', '>=', f.created_after.toISOString())
    if (f.created_before) q = q.where('created_at', '<', f.created_before.toISOString())
    const rows = await q.orderBy('created_at', f.order).orderBy('id', f.order).limit(f.limit).offset(f.offset).execute()
    return rows.map(toEventRecord)
  }

  /**
   * Cancels an event that has not finished: it will not be published (if held) or routed, and its
   * executions that are not running are cancelled. A running attempt finishes; it is not retried.
   */
  async cancelEvent(id: string): Promise<EventRecord> {
    const now = new Date().toISOString()
    const row = await writeTransaction(this.deps.db, async (trx) => {
      const current = await getEventRow(trx, id)
      if (!current) throw new NotFoundError('event', id)
      if (['completed', 'failed', 'cancelled'].includes(current.status)) {
        throw new ConflictError(`event "${id}" is already ${current.status}: nothing to cancel`)
      }
      await trx
        .updateTable('event_executions')
        .set({ status: 'cancelled', completed_at: now, lease_owner: null, next_attempt_at: null, updated_at: now })
        .where('event_id', '=', id)
        .where('status', 'in', ['pending', 'retrying'])
        .execute()
      return trx
        .updateTable('events')
        .set({ status: 'cancelled', completed_at: now, updated_at: now })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow()
    })
    await audit(this.deps.db, this.deps.actor, 'event.cancel', { type: 'event', id })
    this.deps.wake()
    return toEventRecord(row)
  }
}
