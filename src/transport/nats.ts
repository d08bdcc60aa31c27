import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node'
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream'
import { UnavailableError, UnsupportedError } from '../errors.js'

export const EVENT_SUBJECT_PREFIX = 'sp.events.'
export const STREAM_NAME = 'SP_EVENTS'
export const INGEST_CONSUMER = 'sp-ingest'
/** Core subject on which processes tell running runtimes to look at the database now. */
export const WAKE_SUBJECT = 'sp.internal.wake'

export function eventSubject(type: string): string {
  return EVENT_SUBJECT_PREFIX + type
}

/** The lowest nats-server this runtime supports, and the features newer servers add. */
const MIN_SERVER = [2, 9, 0] as const

function parseVersion(version: string): number[] {
  return version.split('-')[0]!.split('.').map((n) => Number.parseInt(n, 10) || 0)
}

export function versionAtLeast(version: string, min: readonly number[]): boolean {
  const v = parseVersion(version)
  for (let i = 0; i < min.length; i++) {
    if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > min[i]!
  }
  return true
}

export interface TransportOptions {
  url: string
  name?: string
  /** How long stored events stay in the stream (they are in the database regardless). */
  streamMaxAgeMs?: number
  /** How long the initial connection may take before giving up. */
  connectTimeoutMs?: number
}

/**
 * The runtime's NATS side. Promises: events are published to `sp.events.<type>` with the event id as
 * `Nats-Msg-Id` (the stream drops a repeat inside its duplicate window); `consume` delivers each
 * stored message at least once, in batches, and redelivers any message not acked within `ack_wait`.
 */
export class Transport {
  private constructor(
    readonly nc: NatsConnection,
    readonly serverVersion: string,
    readonly streamCreated: string,
    private readonly streamMaxAgeMs: number,
  ) {}

  static async connect(options: TransportOptions): Promise<Transport> {
    let nc: NatsConnection
    try {
      nc = await connect({
        servers: options.url,
        name: options.name ?? 'sp-events',
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: options.connectTimeoutMs ?? 5000,
      })
    } catch (err) {
      throw new UnavailableError(
        `cannot connect to NATS at ${options.url}: ${(err as Error).message}. Start one with \`nats-server -c nats.conf\` (Debian: apt-get install -y nats-server) or pass --nats <url>`,
        { cause: err },
      )
    }
    const version = nc.info?.version ?? '0.0.0'
    try {
      if (!versionAtLeast(version, MIN_SERVER)) {
        throw new UnsupportedError(`nats-server ${version} is too old: sp-events needs ${MIN_SERVER.join('.')} or newer`)
      }
      if (!nc.info?.jetstream) {
        throw new UnsupportedError(`nats-server at ${options.url} runs without JetStream: start it with -js (nats.conf enables it)`)
      }
      const maxAgeMs = options.streamMaxAgeMs ?? 7 * 24 * 3600_000
      const created = await ensureStream(nc, maxAgeMs)
      return new Transport(nc, version, created, maxAgeMs)
    } catch (err) {
      await nc.close().catch(() => {})
      throw err
    }
  }

  /** Core-publishes one event message: no round trip; the outbox re-sends what never got routed. */
  publishEvent(type: string, id: string, body: string): void {
    const h = natsHeaders()
    h.set('Nats-Msg-Id', id)
    this.nc.publish(eventSubject(type), body, { headers: h })
  }

  /** Resolves once the server has seen everything published so far. */
  async flush(): Promise<void> {
    await this.nc.flush()
  }

  wake(): void {
    this.nc.publish(WAKE_SUBJECT)
  }

  /** Calls `callback` each time the connection is re-established after a loss. */
  onReconnect(callback: () => void): { stop(): void } {
    const status = this.nc.status() as AsyncIterable<{ type: string }> & { stop?(): void }
    void (async () => {
      for await (const s of status) if (s.type === 'reconnect') callback()
    })()
    return { stop: () => status.stop?.() }
  }

  onWake(callback: () => void): { stop(): void } {
    const sub = this.nc.subscribe(WAKE_SUBJECT, { callback: () => callback() })
    return { stop: () => sub.unsubscribe() }
  }

  /**
   * Delivers stored event messages to `onMessage` synchronously as they arrive; the caller acks.
   * Keeps up to `inFlight` messages pulled. Recreates the stream or the ingest consumer when they
   * are missing. The handle's `closed()` resolves with an error when the consumer or the stream
   * disappears underneath it: the caller consumes again (which recreates them).
   */
  async consume(onMessage: (msg: JsMsg) => void, inFlight: number): Promise<ConsumerMessages> {
    const js = jetstream(this.nc)
    const consumer = await js.consumers.get(STREAM_NAME, INGEST_CONSUMER).catch(async () => {
      await ensureStream(this.nc, this.streamMaxAgeMs)
      return js.consumers.get(STREAM_NAME, INGEST_CONSUMER)
    })
    // Without abort_on_missing_resource, a deleted consumer leaves consume() polling for it forever, deaf.
    return consumer.consume({ max_messages: inFlight, idle_heartbeat: 2000, abort_on_missing_resource: true, callback: onMessage })
  }

  isClosed(): boolean {
    return this.nc.isClosed()
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return
    await this.nc.drain().catch(() => this.nc.close())
  }
}

/** Creates the event stream and the shared ingest consumer when missing; returns the stream's creation time. */
async function ensureStream(nc: NatsConnection, maxAgeMs: number): Promise<string> {
  const jsm = await jetstreamManager(nc)
  let created: string
  try {
    const info = await jsm.streams.info(STREAM_NAME)
    created = info.created
  } catch {
    const info = await jsm.streams.add({
      name: STREAM_NAME,
      subjects: [`${EVENT_SUBJECT_PREFIX}>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: maxAgeMs * 1_000_000,
      duplicate_window: 120 * 1_000_000_000,
    })
    created = info.created
  }
  try {
    await jsm.consumers.info(STREAM_NAME, INGEST_CONSUMER)
  } catch {
    await jsm.consumers.add(STREAM_NAME, {
      durable_name: INGEST_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: `${EVENT_SUBJECT_PREFIX}>`,
      max_ack_pending: 20_000,
      ack_wait: 30 * 1_000_000_000,
      max_deliver: -1,
    })
  }
  return created
}
