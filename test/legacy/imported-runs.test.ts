import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importLegacy, liveSink, readLegacyFile } from '../../src/legacy/index.js'
import type { Runtime } from '../../src/runtime/runtime.js'
import { openStore } from '../../src/store/database.js'
import { makeLegacyDb } from '../fixtures/legacy/make-legacy-db.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

describe('what the import created runs in a started runtime', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  let tickFile: string
  const calls: { name: string; input: unknown }[] = []

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir('sp-legacy-run-')
    tickFile = join(tmp.dir, 'ticks.jsonl')
    const source = join(tmp.dir, 'old.db')
    makeLegacyDb(source, { tickFile })
    const target = join(tmp.dir, 'sp.db')
    runtime = await testRuntime(nats.url, target)
    const store = openStore(target)
    try {
      await importLegacy(readLegacyFile(source), liveSink(runtime, store.db))
    } finally {
      await store.close()
    }
    // The old `action` strings name functions: the embedding service registers them.
    for (const name of ['order.validate', 'order.review', 'order.notify-email', 'order.notify-sms', 'order.line', 'order.archive']) {
      runtime.functions.register(name, async (input) => {
        calls.push({ name, input })
        return { ok: true }
      })
    }
    await runtime.start()
  })

  afterAll(async () => {
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('an imported 1 s interval task fires through the command executor (tee appends each event it gets)', async () => {
    // The command gets the event as JSON on stdin, without a newline: count the events by their ids.
    const ticks = () => (existsSync(tickFile) ? [...readFileSync(tickFile, 'utf8').matchAll(/"trigger_type":"scheduled"/g)].length : 0)
    await waitFor(() => ticks() >= 2, 'two ticks in the file', 15_000)
    const first = readFileSync(tickFile, 'utf8').split(/(?<=\})(?=\{"id")/)[0]!
    const event = JSON.parse(first) as { type: string; data: unknown; trigger_type: string }
    expect(event).toMatchObject({ type: 'legacy.task.ticker', data: { source: 'legacy' }, trigger_type: 'scheduled' })
    const [handler] = await runtime.events.listHandlers({ event_type: 'legacy.task.ticker' })
    const executions = (await runtime.events.listEvents({ type: 'legacy.task.ticker', limit: 5 })).length
    expect(handler?.executor_type).toBe('command')
    expect(executions).toBeGreaterThanOrEqual(2)
  })

  it('an imported workflow runs when its trigger event is published: condition, parallel, loop and subflow', async () => {
    await runtime.events.createEvent({ type: 'order.created', name: 'order.created', data: { order_id: 'o-1', amount: 150, items: [{ sku: 'a' }, { sku: 'b' }] } })
    const execution = await waitFor(async () => {
      const [e] = await runtime.workflows.listExecutions({ workflow_id: 'order-processing' })
      return e && ['completed', 'failed'].includes(e.status) ? e : null
    }, 'the order-processing execution to finish', 20_000)
    expect(execution.status).toBe('completed')
    expect(execution.workflow_version).toBe(10200)
    const names = calls.map((c) => c.name)
    expect(names.filter((n) => n !== 'order.notify-email' && n !== 'order.notify-sms')).toEqual(['order.validate', 'order.review', 'order.line', 'order.line', 'order.archive'])
    expect(names).toContain('order.notify-email')
    expect(names).toContain('order.notify-sms')
    expect(calls.filter((c) => c.name === 'order.line').map((c) => c.input)).toEqual([{ sku: 'a' }, { sku: 'b' }])
    expect(calls.find((c) => c.name === 'order.validate')?.input).toEqual({ order_id: 'o-1' })
  })
})
