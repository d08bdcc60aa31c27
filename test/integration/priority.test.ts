import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EventPriority } from '../../src/model/event.js'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

describe('priority with a backlog', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  const started: string[] = []
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    runtime = await testRuntime(nats.url, join(tmp.dir, 'sp.db'), { events: { executors: { function: { maxConcurrency: 1 } } } })
    runtime.functions.register('t.gated', async (_input, ctx) => {
      started.push(ctx.event.name)
      await gate
    })
    await runtime.events.registerHandler({ event_type: 'job.run', executor_type: 'function', configuration: { function: 't.gated' } })
    await runtime.start()
  })

  afterAll(async () => {
    release()
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  async function create(prefix: string, priority: EventPriority, count: number): Promise<string[]> {
    const ids: string[] = []
    for (let i = 0; i < count; i++) ids.push((await runtime.events.createEvent({ type: 'job.run', name: `${prefix}${i}`, priority })).id)
    return ids
  }

  /** Waits until every event is routed: its executions are created and handed to the dispatcher's queue. */
  async function routed(ids: string[]): Promise<void> {
    await waitFor(async () => {
      for (const id of ids) if ((await runtime.events.getEvent(id)).status !== 'processing') return false
      return true
    }, `${ids.length} events routed`)
  }

  it('starts the critical events before the low ones queued ahead of them', async () => {
    const low = await create('low-', 'low', 8)
    await waitFor(() => started.length === 1, 'the first low event holding the only slot')
    await routed(low)
    const critical = await create('critical-', 'critical', 4)
    const high = await create('high-', 'high', 2)
    await routed([...critical, ...high])
    // Events without a handler complete at routing; one created last shows that ingest handed everything before it to the dispatcher.
    const barrier = await runtime.events.createEvent({ type: 'barrier' })
    await waitFor(async () => (await runtime.events.getEvent(barrier.id)).status === 'completed', 'the barrier event routed')
    expect(started).toEqual(['low-0'])

    release()
    await waitFor(async () => (await runtime.events.listEvents({ type: 'job.run', status: 'completed', limit: 100 })).length === 14, 'all 14 events completed')
    expect(started).toEqual([
      'low-0',
      'critical-0', 'critical-1', 'critical-2', 'critical-3',
      'high-0', 'high-1',
      'low-1', 'low-2', 'low-3', 'low-4', 'low-5', 'low-6', 'low-7',
    ])
  })
})
