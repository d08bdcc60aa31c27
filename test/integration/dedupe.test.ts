import { join } from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect, headers, type NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { INGEST_CONSUMER, STREAM_NAME } from '../../src/transport/nats.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

describe('de-duplication of events', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  let nc: NatsConnection
  const runs = new Map<string, number>()

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    runtime = await testRuntime(nats.url, join(tmp.dir, 'sp.db'))
    runtime.functions.register('t.count', (_input, ctx) => {
      runs.set(ctx.event.id, (runs.get(ctx.event.id) ?? 0) + 1)
    })
    await runtime.events.registerHandler({ event_type: 'invoice.sent', executor_type: 'function', configuration: { function: 't.count' } })
    await runtime.start()
    nc = await connect({ servers: nats.url })
  })

  afterAll(async () => {
    await nc?.close()
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  const completed = (id: string) =>
    waitFor(async () => {
      const e = await runtime.events.getEvent(id).catch(() => null)
      return e?.status === 'completed' ? e : null
    }, `event ${id} completed`)

  /** Publishes an event with no handler after the ones under test: once it is completed, everything before it was ingested. */
  async function barrier(name: string): Promise<void> {
    const h = headers()
    h.set('Nats-Msg-Id', `barrier-${name}`)
    nc.publish('sp.events.barrier', '{}', { headers: h })
    await nc.flush()
    await completed(`barrier-${name}`)
  }

  it('stores one event for a message published twice with one Nats-Msg-Id', async () => {
    for (const data of [{ n: 1 }, { n: 2 }]) {
      const h = headers()
      h.set('Nats-Msg-Id', 'inv-1')
      nc.publish('sp.events.invoice.sent', JSON.stringify({ data }), { headers: h })
      await nc.flush()
    }
    const event = await completed('inv-1')
    await barrier('msg-id')
    expect(event.data).toEqual({ n: 1 })
    expect(event.executions).toHaveLength(1)
    expect(runs.get('inv-1')).toBe(1)
    expect(await runtime.events.listEvents({ type: 'invoice.sent' })).toHaveLength(1)
  })

  it('returns the stored record when createEvent is given an id twice', async () => {
    const first = await runtime.events.createEvent({ id: 'inv-2', type: 'invoice.sent', name: 'first', data: { n: 1 } })
    const again = await runtime.events.createEvent({ id: 'inv-2', type: 'invoice.sent', name: 'second', data: { n: 2 } })
    expect(again.id).toBe('inv-2')
    expect(again.name).toBe('first')
    expect(again.data).toEqual({ n: 1 })
    expect(again.created_at).toBe(first.created_at)
    // Two calls in the same event-loop turn go into one commit; the repeat still resolves to the one record.
    const [a, b] = await Promise.all([
      runtime.events.createEvent({ id: 'inv-3', type: 'invoice.sent', data: { n: 3 } }),
      runtime.events.createEvent({ id: 'inv-3', type: 'invoice.sent', data: { n: 4 } }),
    ])
    expect(b.created_at).toBe(a.created_at)
    expect(b.data).toEqual({ n: 3 })
    await completed('inv-2')
    await completed('inv-3')
    await barrier('create')
    expect(runs.get('inv-2')).toBe(1)
    expect(runs.get('inv-3')).toBe(1)
    expect((await runtime.events.getEvent('inv-3')).executions).toHaveLength(1)
  })

  it('names an outside message without Nats-Msg-Id by its stream position', async () => {
    nc.publish('sp.events.invoice.sent', JSON.stringify({ data: { anonymous: true } }))
    await nc.flush()
    const event = await waitFor(async () => {
      const found = (await runtime.events.listEvents({ type: 'invoice.sent', limit: 100 })).find((e) => e.data.anonymous === true)
      return found?.status === 'completed' ? found : null
    }, 'the anonymous event completed')
    const match = /^nats-([0-9a-z]+)-(\d+)$/.exec(event.id)
    expect(match, event.id).not.toBeNull()
    const jsm = await jetstreamManager(nc)
    const stored = await jsm.streams.getMessage(STREAM_NAME, { seq: Number(match![2]) })
    expect(stored?.subject).toBe('sp.events.invoice.sent')
    expect(stored?.json<{ data: unknown }>().data).toEqual({ anonymous: true })
    await barrier('anonymous')
    expect(runs.get(event.id)).toBe(1)
  })

  it('creates no second event or execution when the stream is delivered again', async () => {
    const before = await runtime.events.listEvents({ limit: 1000 })
    // A new ingest consumer replays the whole stream from its first message: every message is redelivered.
    const jsm = await jetstreamManager(nc)
    await jsm.consumers.delete(STREAM_NAME, INGEST_CONSUMER)
    await waitFor(async () => (await jsm.consumers.info(STREAM_NAME, INGEST_CONSUMER).catch(() => null))?.delivered.stream_seq, 'the ingest consumer recreated')
    await barrier('replay')
    const after = await runtime.events.listEvents({ limit: 1000 })
    expect(after.map((e) => e.id).sort()).toEqual([...before.map((e) => e.id), 'barrier-replay'].sort())
    for (const [id, count] of runs) expect(count, id).toBe(1)
  })
})
