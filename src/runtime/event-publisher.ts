import type { EventRow } from '../store/repositories/events.js'
import { Transport } from '../transport/nats.js'
import type { Logger } from './logger.js'

/**
 * Sends committed events to `sp.events.<type>` on the one NATS connection of a runtime. Before
 * `start()` (the CLI, or an embedding service creating events early) it connects on first use; when
 * NATS is unreachable the events stay stored, and a runtime's recovery sweep routes them.
 */
export class EventPublisher {
  private transport: Transport | null = null
  private connecting: Promise<Transport | null> | null = null
  private unpublished: EventRow[] = []

  constructor(private readonly options: { url: string; name: string; log: Logger }) {}

  /** The open connection, if any. */
  get connection(): Transport | null {
    return this.transport && !this.transport.isClosed() ? this.transport : null
  }

  /** Publishes committed events; without a connection they wait for one. */
  publish(rows: EventRow[]): void {
    const ready = rows.filter((r) => r.status === 'pending')
    if (ready.length === 0) return
    const t = this.connection
    if (t) {
      for (const r of ready) t.publishEvent(r.type, r.id, wireBodyOfRow(r))
      return
    }
    this.unpublished.push(...ready)
    void this.connectOnDemand()
  }

  /** Tells running runtimes to look at the database now, connecting first when `connect` (outside a runtime). */
  wake(connect: boolean): void {
    const t = this.connection
    if (t) t.wake()
    else if (connect) void this.connectOnDemand().then((c) => c?.wake())
  }

  /**
   * The connection a runtime runs on: the one opened on demand when it succeeded, else a new one
   * (throws when NATS is unreachable). Events waiting for a connection go out on it.
   */
  async open(name: string): Promise<Transport> {
    // Waiting for a connection already being opened, so there is only ever one (a second would leak at stop).
    if (this.connecting) await this.connecting
    if (!this.connection) {
      this.transport = await Transport.connect({ url: this.options.url, name })
      this.connecting = Promise.resolve(this.transport)
    }
    this.publish(this.unpublished.splice(0))
    return this.transport!
  }

  async close(): Promise<void> {
    if (this.connecting) await this.connecting
    const t = this.transport
    this.transport = null
    if (!t) return
    await t.flush().catch(() => {})
    await t.close()
  }

  private connectOnDemand(): Promise<Transport | null> {
    this.connecting ??= Transport.connect({ url: this.options.url, name: this.options.name, connectTimeoutMs: 2000 })
      .then((t) => {
        this.transport = t
        this.publish(this.unpublished.splice(0))
        return t
      })
      .catch((err: unknown) => {
        this.options.log.warn('NATS unreachable: events are stored and a runtime will route them when it runs', { error: (err as Error).message })
        // A later event tries again.
        this.connecting = null
        return null
      })
    return this.connecting
  }
}

/**
 * The message body for a stored event on `sp.events.<type>` (the type is in the subject, the id in
 * `Nats-Msg-Id`), built around the row's JSON text as stored instead of parsing and re-serialising
 * its data.
 */
export function wireBodyOfRow(r: EventRow): string {
  const trigger = r.trigger_id ? `,"trigger_id":${JSON.stringify(r.trigger_id)}` : ''
  return (
    `{"name":${JSON.stringify(r.name)},"priority":${JSON.stringify(r.priority)},"data":${r.data},"metadata":${r.metadata},` +
    `"trigger_type":${JSON.stringify(r.trigger_type)}${trigger},"created_at":${JSON.stringify(r.created_at)}}`
  )
}
