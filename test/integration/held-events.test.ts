import { join } from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { INGEST_CONSUMER, STREAM_NAME } from '../../src/transport/nats.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

describe('events created with a future scheduled_at', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  let client: Runtime
  let nc: NatsConnection
  const ran = new Map<string, number>()

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    const db = join(tmp.dir, 'sp.db')
    runtime = await testRuntime(nats.url, db)
    runtime.functions.register('held.record', (_input, ctx) => void ran.set(ctx.event.id, Date.now()))
    await runtime.events.registerHandler({ event_type: 'held.work', executor_type: 'function', configuration: { function: 'held.record' } })
    await runtime.start()
    // Another process's view (as the CLI): it stores and wakes running runtimes, it does not run anything.
    client = await testRuntime(nats.url, db)
    nc = await connect({ servers: nats.url })
  })

  afterAll(async () => {
    await nc?.close()
    await client?.stop()
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('holds the event as scheduled, then runs it at its time', async () => {
    const due = new Date(Date.now() + 1500)
    const e = await runtime.events.createEvent({ type: 'held.work', scheduled_at: due })
    expect(e.status).toBe('scheduled')
    expect((await runtime.events.getEvent(e.id)).executions).toEqual([])
    const done = await waitFor(async () => {
      const got = await runtime.events.getEvent(e.id)
      return got.status === 'completed' ? got : null
    }, 'the held event completed')
    expect(ran.get(e.id)!).toBeGreaterThanOrEqual(due.getTime())
    expect(done.scheduled_at).toBe(due.toISOString())
  })

  it('never runs a held event that was cancelled', async () => {
    const cancelled = await runtime.events.createEvent({ type: 'held.work', scheduled_at: new Date(Date.now() + 800) })
    const control = await runtime.events.createEvent({ type: 'held.work', scheduled_at: new Date(Date.now() + 1200) })
    expect((await runtime.events.cancelEvent(cancelled.id)).status).toBe('cancelled')
    await waitFor(() => ran.has(control.id), 'the control event, due after the cancelled one, ran')
    expect(ran.has(cancelled.id)).toBe(false)
    expect((await runtime.events.getEvent(cancelled.id)).status).toBe('cancelled')
    await expect(runtime.events.cancelEvent(cancelled.id)).rejects.toThrow(/already cancelled/)
  })

  it('runs a held event created by another process on time, the running runtime being woken', async () => {
    const due = new Date(Date.now() + 1000)
    const e = await client.events.createEvent({ type: 'held.work', scheduled_at: due })
    await waitFor(() => ran.has(e.id), 'the event created elsewhere ran')
    // Woken at once, not at the next safety sweep (10 s by default).
    expect(ran.get(e.id)! - due.getTime()).toBeLessThan(3000)
  })

  it('runs a released event once, and still puts it on the stream, where ingest acks it without a second execution', async () => {
    const e = await runtime.events.createEvent({ type: 'held.work', scheduled_at: new Date(Date.now() + 300) })
    await waitFor(() => ran.has(e.id), 'the held event ran')
    const jsm = await jetstreamManager(nc)
    const stored = await waitFor(
      async () => {
        const m = await jsm.streams.getMessage(STREAM_NAME, { last_by_subj: 'sp.events.held.work' }).catch(() => null)
        return m?.header.get('Nats-Msg-Id') === e.id ? m : null
      },
      'the released event on the stream',
    )
    expect(stored.json<{ created_at: string }>().created_at).toBe(e.created_at)
    // Ingest received the message, found the event routed, and acked it without a second execution.
    await waitFor(async () => {
      const info = await jsm.consumers.info(STREAM_NAME, INGEST_CONSUMER)
      return info.delivered.stream_seq >= stored.seq && info.num_ack_pending === 0
    }, 'ingest acked the released message')
    const done = await waitFor(async () => {
      const got = await runtime.events.getEvent(e.id)
      return got.status === 'completed' ? got : null
    }, 'the released event completed')
    expect(done.executions).toHaveLength(1)
    expect(done.executions[0]!.attempts).toBe(1)
  })
})
