import type { JsMsg, ConsumerMessages } from '@nats-io/jetstream'
import type { Insertable } from 'kysely'
import { ValidationError } from '../src/errors.js'
import { eventIdSchema, eventTypeSchema, PRIORITY_RANK, wireEventBodySchema, type EventRecord } from '../src/model/event.js'
import { newId } from '../src/model/ids.js'
import type { LocalOutbox } from '../src/runtime/local-outbox.js'
import type { Logger } from '../src/runtime/logger.js'
import type { RetryDefaults } from '../src/runtime/router.js'
import type { Db } from '../src/store/database.js'
import type { HotPath } from '../src/store/hot-path.js'
import { toEventRecord } from '../src/store/repositories/events.js'
import type { EventsTable } from '../src/store/schema.js'
import { writeTransaction } from '../src/store/transaction.js'
import { EVENT_SUBJECT_PREFIX, type Transport } from '../src/transport/nats.js'
import { routeRecords, SlotReservations, type RouteHook, type Slots, type WorkItem } from './routing.js'

export { routeEvents, type RouteHook, type WorkItem } from './routing.js'

export interface IngestDeps {
  db: Db
  hot: HotPath
  transport: Transport
  /** The events this process wrote: their messages are routed from the record already held. */
  outbox?: LocalOutbox
  runtimeId: string
  defaults: RetryDefaults
  log: Logger
  /** Receives the executions each committed batch created, for this runtime to queue. */
  dispatch(items: WorkItem[]): void
  /** This runtime's pool slots: executions that find one are stored `running` and start at once. */
  slots: Slots
  /** True while the dispatcher has room; ingest stops pulling from NATS while it is false. */
  hasRoom(): boolean
  /** Told of the events routed, inside the routing transaction (workflow waits). */
  onRouted?: RouteHook
}

type Parsed =
  /** An event this process stored: routed from the record it holds. */
  | { ok: true; msg: JsMsg; record: EventRecord; row?: undefined }
  /** Anyone else's message: stored unless its id exists, then routed. */
  | { ok: true; msg: JsMsg; record: EventRecord; row: Insertable<EventsTable> }
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
    const reservations = new SlotReservations(this.deps.slots)
    let routed: Awaited<ReturnType<typeof routeRecords>>
    try {
      routed = await writeTransaction(this.deps.db, async (trx) => {
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
        const events: EventRecord[] = []
        const existing = new Set<string>()
        for (const p of parsed) {
          if (!p.ok) continue
          if (!p.row) events.push(p.record)
          else if (this.deps.hot.insertEvent(p.row)) events.push(p.record)
          else existing.add(p.row.id)
        }
        // Ids stored before (a redelivery, an event created through the CLI): routed as stored, if still waiting.
        const ids = [...existing]
        for (let i = 0; i < ids.length; i += 500) {
          const rows = await trx
            .selectFrom('events')
            .selectAll()
            .where('id', 'in', ids.slice(i, i + 500))
            .where('status', '=', 'pending')
            .where('routed_at', 'is', null)
            .execute()
          for (const r of rows) events.push(toEventRecord(r))
        }
        const { runtimeId, defaults, onRouted, hot } = this.deps
        return routeRecords(trx, events, { hot, runtimeId, defaults, onRouted, claim: reservations.claim }, now)
      })
    } catch (err) {
      reservations.release()
      // Nothing was acked: JetStream redelivers the batch after ack_wait.
      this.deps.log.error('ingest: batch failed, left for redelivery', { error: String(err), size: batch.length })
      for (const msg of batch) msg.nak(1000)
      return
    }
    // Committed: the claimed executions run and the slots left over come back before anything else can throw.
    reservations.run(routed.claimed)
    if (routed.queued.length) this.deps.dispatch(routed.queued)
    try {
      for (const msg of batch) msg.ack()
    } catch (err) {
      // The connection is closing: the messages come again, and routing them again creates nothing.
      this.deps.log.warn('ingest: cannot ack a committed batch; it will be redelivered', { error: String(err), size: batch.length })
    }
    if (!this.deps.hasRoom() && !this.paused && this.messages) {
      this.paused = true
      const messages = this.messages
      this.messages = null
      messages.stop()
    }
  }

  private parse(msg: JsMsg): Parsed {
    const type = msg.subject.slice(EVENT_SUBJECT_PREFIX.length)
    const headerId = msg.headers?.get('Nats-Msg-Id')
    // Validated when it was created here; a subject that does not match its type takes the long way.
    const own = headerId ? this.deps.outbox?.take(headerId) : undefined
    if (own && own.type === type) return { ok: true, msg, record: own }
    if (!eventTypeSchema.safeParse(type).success) {
      return { ok: false, msg, reason: `subject "${msg.subject}": "${type}" is not a valid event type (dot-separated letters, digits, _ and -)` }
    }
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
    const record: EventRecord = {
      id,
      name: b.name ?? type,
      type,
      priority: b.priority,
      data: b.data,
      metadata: b.metadata,
      trigger_type: b.trigger_type ?? 'api',
      trigger_id: b.trigger_id ?? null,
      status: 'pending',
      scheduled_at: null,
      created_at: b.created_at && !Number.isNaN(Date.parse(b.created_at)) ? new Date(b.created_at).toISOString() : now,
      updated_at: now,
      completed_at: null,
      error: null,
    }
    return {
      ok: true,
      msg,
      record,
      row: {
        ...record,
        priority_rank: PRIORITY_RANK[record.priority],
        data: JSON.stringify(b.data),
        metadata: JSON.stringify(b.metadata),
        published_at: now,
        routed_at: null,
      },
    }
  }
}
