import { join } from 'node:path'
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { INGEST_CONSUMER, STREAM_NAME } from '../../src/transport/nats.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

describe('supervision and shutdown', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let nc: NatsConnection
  let jsm: JetStreamManager
  const runtimes: Runtime[] = []

  beforeAll(async () => {
    nats = await startNatsServer({ monitor: true })
    tmp = tempDir()
    nc = await connect({ servers: nats.url })
    jsm = await jetstreamManager(nc)
  })

  afterEach(async () => {
    for (const r of runtimes.splice(0)) await r.stop()
  })

  afterAll(async () => {
    await nc?.close()
    await nats?.dispose()
    tmp?.dispose()
  })

  /** A runtime on its own database with one handler; the tests share the nats-server, so each uses its own event type. */
  async function runtimeWith(name: string, fn: (input: unknown, ctx: { event: { id: string } }) => unknown): Promise<Runtime> {
    const runtime = await testRuntime(nats.url, join(tmp.dir, `${name}.db`))
    runtimes.push(runtime)
    runtime.functions.register('t.work', fn)
    await runtime.events.registerHandler({ event_type: `${name}.item`, executor_type: 'function', configuration: { function: 't.work' } })
    await runtime.start()
    return runtime
  }

  const completed = (runtime: Runtime, id: string) =>
    waitFor(async () => (await runtime.events.getEvent(id)).status === 'completed', `event ${id} completed`)

  /** Deletes the ingest consumer under the running runtime, and waits until its supervisor has recreated it. */
  async function crashIngest(): Promise<void> {
    await jsm.consumers.delete(STREAM_NAME, INGEST_CONSUMER)
    await waitFor(() => jsm.consumers.info(STREAM_NAME, INGEST_CONSUMER).catch(() => null), 'the ingest consumer recreated')
  }

  it('stop() lets a running handler finish and records it before closing', async () => {
    const phases: string[] = []
    const runtime = await runtimeWith('drain', async () => {
      phases.push('started')
      await new Promise((r) => setTimeout(r, 300))
      phases.push('finished')
      return { done: true }
    })
    const event = await runtime.events.createEvent({ type: 'drain.item' })
    await waitFor(() => phases.includes('started'), 'the handler started')
    await runtime.stop()
    expect(phases).toEqual(['started', 'finished'])

    const reader = await testRuntime(nats.url, join(tmp.dir, 'drain.db'))
    try {
      const stored = await reader.events.getEvent(event.id)
      expect(stored.status).toBe('completed')
      expect(stored.executions[0]!.status).toBe('completed')
      expect(stored.executions[0]!.output).toEqual({ done: true })
      expect(stored.executions[0]!.attempt_history.map((a) => a.outcome)).toEqual(['succeeded'])
    } finally {
      await reader.stop()
    }
  })

  it('stop() past its drain timeout interrupts a running attempt without spending it, and the next runtime runs it again', async () => {
    const database = join(tmp.dir, 'interrupt.db')
    const first = await testRuntime(nats.url, database, {}, { drainTimeoutMs: 200 })
    runtimes.push(first)
    const attempts: number[] = []
    first.functions.register('t.slow', (_input, ctx) => {
      attempts.push(ctx.attempt)
      return new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }))
    })
    await first.events.registerHandler({
      event_type: 'interrupt.item',
      executor_type: 'function',
      configuration: { function: 't.slow' },
      retry_policy: { max_attempts: 1 },
    })
    await first.start()
    const event = await first.events.createEvent({ type: 'interrupt.item' })
    await waitFor(() => attempts.length === 1, 'the slow handler started')
    await first.stop()

    const second = await testRuntime(nats.url, database)
    runtimes.push(second)
    second.functions.register('t.slow', (_input, ctx) => void attempts.push(ctx.attempt))
    const stored = (await second.events.getEvent(event.id)).executions[0]!
    expect(stored.status).toBe('pending')
    expect(stored.attempt_history.map((a) => a.outcome)).toEqual(['interrupted'])
    expect(await second.deadLetters.list()).toEqual([])
    await second.start()
    await completed(second, event.id)
    expect(attempts).toEqual([1, 2])
  })

  it('stop() closes its one NATS connection, also when events were created before start()', async () => {
    const connections = async () => ((await (await fetch(`${nats.monitorUrl}/connz`)).json()) as { num_connections: number }).num_connections
    const baseline = await connections()
    const runtime = await testRuntime(nats.url, join(tmp.dir, 'early.db'))
    runtimes.push(runtime)
    runtime.functions.register('t.work', () => undefined)
    await runtime.events.registerHandler({ event_type: 'early.item', executor_type: 'function', configuration: { function: 't.work' } })
    const early = await runtime.events.createEvent({ type: 'early.item' })
    await runtime.start()
    await completed(runtime, early.id)
    expect(await connections()).toBe(baseline + 1)
    await runtime.stop()
    await waitFor(async () => (await connections()) === baseline, 'no connection left after stop()')
  })

  it('restarts ingest when its NATS consumer is deleted underneath it, and events flow again', async () => {
    const runs: string[] = []
    const runtime = await runtimeWith('restart', (_input, ctx) => void runs.push(ctx.event.id))
    const before = await runtime.events.createEvent({ type: 'restart.item' })
    await completed(runtime, before.id)

    await crashIngest()
    const after = await runtime.events.createEvent({ type: 'restart.item' })
    await completed(runtime, after.id)
    nc.publish('sp.events.restart.item', JSON.stringify({ name: 'from outside' }))
    await waitFor(
      async () => (await runtime.events.listEvents({ type: 'restart.item', status: 'completed' })).some((e) => e.name === 'from outside'),
      'the outside event completed after the restart',
    )
    // The recreated consumer replays the stream; nothing runs twice.
    expect(runs.filter((id) => id === before.id)).toHaveLength(1)
    expect(runs).toHaveLength(3)
  })

  it('escalates once a child crashes more often than its restart budget allows, and the runtime stops', async () => {
    const runtime = await runtimeWith('escalate', () => undefined)
    let failure: unknown
    void runtime.stopped.catch((err: unknown) => (failure = err))
    // The budget is 5 restarts a minute: the 6th crash inside it escalates.
    for (let i = 0; i < 5; i++) await crashIngest()
    await jsm.consumers.delete(STREAM_NAME, INGEST_CONSUMER)
    await waitFor(() => failure, 'the runtime stopped with an error', 20_000)
    expect(String(failure)).toMatch(/ingest failed past its restart budget/)
    await expect(runtime.events.createEvent({ type: 'escalate.item' })).rejects.toThrow()
  })
})
