import type { JsMsg, ConsumerMessages } from '@nats-io/jetstream'
import type { Insertable } from 'kysely'
import { ValidationError } from '../src/errors.js'
import { eventIdSchema, eventTypeSchema, PRIORITY_RANK, wireEventBodySchema, type EventRecord } from '../src/model/event.js'
import { newId } from '../src/model/ids.js'
import type { Logger } from '../src/runtime/logger.js'
import { executionRows, matchingSubscriptions, type RetryDefaults } from '../src/runtime/router.js'
import type { Db } from '../src/store/database.js'
import { insertEvents, toEventRecord, type EventRow } from '../src/store/repositories/events.js'
import type { ExecutionRow } from '../src/store/repositories/executions.js'
import { insertExecutions } from '../src/store/repositories/executions.js'
import { activeSubscriptions } from '../src/store/repositories/subscriptions.js'
import type { EventsTable } from '../src/store/schema.js'
import { writeTransaction } from '../src/store/transaction.js'
import { EVENT_SUBJECT_PREFIX, type Transport } from '../src/transport/nats.js'

export interface WorkItem {
  execution: ExecutionRow
  event: EventRecord
}

export interface IngestDeps {
  db: Db
  transport: Transport
  runtimeId: string
  defaults: RetryDefaults
  log: Logger
  /** Receives the executions each committed batch created, for this runtime to run. */
  dispatch(items: WorkItem[]): void
  /** True while the dispatcher has room; ingest stops pulling from NATS while it is false. */
  hasRoom(): boolean
  /** Told of the events routed, inside the routing transaction (workflow waits). */
  onRouted?: RouteHook
}

/** Runs inside the routing transaction with the events just routed (the workflow host resumes waits). */
export type RouteHook = (trx: Db, events: EventRecord[]) => Promise<void>

type Parsed =
  | { ok: true; msg: JsMsg; row: Insertable<EventsTable> }
  | { ok: false; msg: JsMsg; reason: string }

const MAX_PAYLOAD_KEPT = 64 * 1024

/**
 * The one ingest path: every event message on `sp.events.>` (from createEvent's outbox, the CLI,
 * a schedule or any outside NATS client) is validated, stored, routed to executions and acked,
 * in batches: one transaction per batch, acked only after it commits.
 */
export class Ingest {
  private buffer: JsMsg[] = []
  private flushing: Promise<void> | null = null
  private messages: ConsumerMessages | null = null
  private paused = false
  private stopped = false
  private fail: (error: unknown) => void = () => {}
  private readonly streamCreatedMs: number

  constructor(private readonly deps: IngestDeps) {
    this.streamCreatedMs = Date.parse(deps.transport.streamCreated) || 0
  }

  /** Starts consuming; `fail` is told when consuming ends on its own (the consumer or stream vanished, the connection closed). */
  async start(fail: (error: unknown) => void = () => {}): Promise<void> {
    this.stopped = false
    this.fail = fail
    await this.subscribe()
  }

  private async subscribe(): Promise<void> {
    const messages = await this.deps.transport.consume((msg) => this.onMessage(msg), 1000)
    if (this.stopped) {
      messages.stop()
      return
    }
    this.messages = messages
    void messages.closed().then((err) => {
      // Our own stop (pause, stop()) has cleared or replaced `this.messages` first.
      if (this.messages === messages && !this.stopped) this.fail(err ?? new Error('the ingest consumer stopped'))
    })
  }

  /** Pauses pulling when the dispatcher is full; `resume()` is called as it drains. */
  resume(): void {
    if (!this.paused || this.stopped) return
    this.paused = false
    // Left unsubscribed, ingest would be deaf for good: a failure goes to the supervisor, which restarts it.
    this.subscribe().catch((err) => this.fail(err))
  }

  async stop(): Promise<void> {
    this.stopped = true
    const messages = this.messages
    this.messages = null
    messages?.stop()
    await this.flushNow()
  }

  private onMessage(msg: JsMsg): void {
    this.buffer.push(msg)
    if (!this.flushing) this.flushing = new Promise((resolve) => setImmediate(resolve)).then(() => this.drainBuffer())
  }

  private async drainBuffer(): Promise<void> {
    try {
      while (this.buffer.length) {
        const batch = this.buffer.splice(0, 2000)
        await this.processBatch(batch)
      }
    } finally {
      this.flushing = null
    }
  }

  private async flushNow(): Promise<void> {
    while (this.flushing) await this.flushing
    if (this.buffer.length) {
      this.flushing = this.drainBuffer()
      await this.flushing
    }
  }

  private async processBatch(batch: JsMsg[]): Promise<void> {
    const parsed = batch.map((msg) => this.parse(msg))
    let items: WorkItem[]
    try {
      items = await writeTransaction(this.deps.db, async (trx) => {
        const now = new Date().toISOString()
        const dead = parsed.filter((p): p is Extract<Parsed, { ok: false }> => !p.ok)
        if (dead.length) {
          await trx
            .insertInto('dead_letters')
            .values(
              dead.map((d) => ({
                id: newId('dlq'),
                kind: 'message',
                execution_id: null,
                event_id: null,
                subject: d.msg.subject,
                payload: d.msg.string().slice(0, MAX_PAYLOAD_KEPT),
                reason: d.reason,
                created_at: now,
              })),
            )
            .execute()
        }
        const good = parsed.filter((p): p is Extract<Parsed, { ok: true }> => p.ok)
        if (good.length === 0) return []
        const rows = dedupeById(good.map((g) => g.row))
        await insertEvents(trx, rows)
        const stored = await trx
          .selectFrom('events')
          .selectAll()
          .where('id', 'in', rows.map((r) => r.id))
          .where('status', '=', 'pending')
          .where('routed_at', 'is', null)
          .execute()
        return routeEvents(trx, stored, this.deps.runtimeId, this.deps.defaults, now, this.deps.onRouted)
      })
    } catch (err) {
      // Nothing was acked: JetStream redelivers the batch after ack_wait.
      this.deps.log.error('ingest: batch failed, left for redelivery', { error: String(err), size: batch.length })
      for (const msg of batch) msg.nak(1000)
      return
    }
    for (const msg of batch) msg.ack()
    if (items.length) this.deps.dispatch(items)
    if (!this.deps.hasRoom() && !this.paused && this.messages) {
      this.paused = true
      const messages = this.messages
      this.messages = null
      messages.stop()
    }
  }

  private parse(msg: JsMsg): Parsed {
    const type = msg.subject.slice(EVENT_SUBJECT_PREFIX.length)
    if (!eventTypeSchema.safeParse(type).success) {
      return { ok: false, msg, reason: `subject "${msg.subject}": "${type}" is not a valid event type (dot-separated letters, digits, _ and -)` }
    }
    const headerId = msg.headers?.get('Nats-Msg-Id')
    if (headerId && !eventIdSchema.safeParse(headerId).success) {
      return { ok: false, msg, reason: `header Nats-Msg-Id "${headerId.slice(0, 100)}": not a valid event id` }
    }
    let body: unknown
    try {
      body = msg.data.length ? JSON.parse(msg.string()) : {}
    } catch (err) {
      return { ok: false, msg, reason: `body is not valid JSON: ${(err as Error).message}` }
    }
    const result = wireEventBodySchema.safeParse(body)
    // Every field at fault is named (`body.priority: ...; body.colour: unknown key ...`), not just the first.
    if (!result.success) return { ok: false, msg, reason: ValidationError.fromZod(result.error, 'body').message }
    const b = result.data
    const now = new Date().toISOString()
    // Without a message id, the stream position names the event, so a redelivery is the same event.
    const id = headerId || `nats-${this.streamCreatedMs.toString(36)}-${msg.info.streamSequence}`
    return {
      ok: true,
      msg,
      row: {
        id,
        name: b.name ?? type,
        type,
        priority: b.priority,
        priority_rank: PRIORITY_RANK[b.priority],
        data: JSON.stringify(b.data),
        metadata: JSON.stringify(b.metadata),
        trigger_type: b.trigger_type ?? 'api',
        trigger_id: b.trigger_id ?? null,
        status: 'pending',
        scheduled_at: null,
        published_at: now,
        routed_at: null,
        created_at: b.created_at && !Number.isNaN(Date.parse(b.created_at)) ? new Date(b.created_at).toISOString() : now,
        updated_at: now,
        completed_at: null,
        error: null,
      },
    }
  }
}

function dedupeById<T extends { id: string }>(rows: T[]): T[] {
  const seen = new Set<string>()
  return rows.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)))
}

/**
 * Routes stored, unrouted events inside the caller's transaction: creates one execution per
 * matching subscription and marks each event routed (completed at once when nothing matches).
 */
export async function routeEvents(
  trx: Db,
  events: EventRow[],
  runtimeId: string | null,
  defaults: RetryDefaults,
  now: string,
  onRouted?: RouteHook,
): Promise<WorkItem[]> {
  if (events.length === 0) return []
  const records = events.map(toEventRecord)
  const { handlers, listeners } = await activeSubscriptions(trx, [...new Set(records.map((e) => e.type))])
  const rows = records.flatMap((event) => executionRows(event, matchingSubscriptions(event, handlers, listeners), defaults, runtimeId, now))
  const inserted = rows.length ? await insertExecutions(trx, rows) : []
  const counts = new Map<string, number>()
  for (const r of rows) counts.set(r.event_id, (counts.get(r.event_id) ?? 0) + 1)
  // One statement per distinct execution count (usually one or two per batch), not one per event.
  const byOpen = new Map<number, string[]>()
  for (const event of records) {
    const open = counts.get(event.id) ?? 0
    const ids = byOpen.get(open)
    if (ids) ids.push(event.id)
    else byOpen.set(open, [event.id])
  }
  for (const [open, ids] of byOpen) {
    for (let i = 0; i < ids.length; i += 500) {
      await trx
        .updateTable('events')
        .set({
          routed_at: now,
          status: open ? 'processing' : 'completed',
          open_executions: open,
          completed_at: open ? null : now,
          updated_at: now,
        })
        .where('id', 'in', ids.slice(i, i + 500))
        .where('routed_at', 'is', null)
        .execute()
    }
  }
  await onRouted?.(trx, records)
  const byId = new Map(records.map((e) => [e.id, e]))
  return inserted.map((execution) => ({ execution, event: { ...byId.get(execution.event_id)!, status: 'processing' as const } }))
}
