import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

const EVENTS = 300
const SPREAD_MS = 2000

describe('a nats-server restart while events flow', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  const runs = new Map<string, number>()

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    runtime = await testRuntime(nats.url, join(tmp.dir, 'sp.db'))
    runtime.functions.register('t.count', (_input, ctx) => {
      runs.set(ctx.event.id, (runs.get(ctx.event.id) ?? 0) + 1)
    })
    await runtime.events.registerHandler({ event_type: 'meter.read', executor_type: 'function', configuration: { function: 't.count' } })
    await runtime.start()
  })

  afterAll(async () => {
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  /** Creates EVENTS events spread over SPREAD_MS while `disrupt` runs a third of the way in; every createEvent must resolve. */
  async function flowThrough(batch: string, disrupt: () => Promise<void>): Promise<string[]> {
    const ids: string[] = []
    const errors: unknown[] = []
    const started = Date.now()
    const creating = (async () => {
      for (let i = 0; i < EVENTS; i++) {
        const due = started + (i * SPREAD_MS) / EVENTS
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()))
        try {
          ids.push((await runtime.events.createEvent({ type: 'meter.read', data: { batch, i } })).id)
        } catch (err) {
          errors.push(err)
        }
      }
    })()
    await waitFor(() => ids.length >= EVENTS / 3, 'a third of the events created')
    await disrupt()
    await creating
    expect(errors).toEqual([])
    expect(ids).toHaveLength(EVENTS)
    return ids
  }

  async function expectAllCompleted(ids: string[]): Promise<void> {
    const wanted = new Set(ids)
    await waitFor(
      async () => (await runtime.events.listEvents({ type: 'meter.read', status: 'completed', limit: 10_000 })).filter((e) => wanted.has(e.id)).length === ids.length,
      `${ids.length} events completed`,
      30_000,
    )
    const events = await runtime.events.listEvents({ type: 'meter.read', limit: 10_000 })
    const byId = new Map(events.map((e) => [e.id, e]))
    for (const id of ids) {
      expect(byId.get(id)?.status, id).toBe('completed')
      expect(runs.get(id) ?? 0, id).toBeGreaterThanOrEqual(1)
    }
    const duplicates = ids.reduce((n, id) => n + (runs.get(id)! - 1), 0)
    console.log(`nats-restart: ${ids.length} events, ${duplicates} handler runs repeated`)
  }

  it('reconnects after a clean restart and loses nothing', async () => {
    const ids = await flowThrough('restart', () => nats.restart())
    await expectAllCompleted(ids)
  })

  it('reconnects after the server is killed (SIGKILL) and started again, and loses nothing', async () => {
    const ids = await flowThrough('kill', async () => {
      await nats.kill()
      await new Promise((r) => setTimeout(r, 300))
      await nats.restart()
    })
    await expectAllCompleted(ids)
  })
})
