import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

/** The outcome rules of outbound webhooks, through the runtime: retries happen at stored times. */
describe('webhook handlers retry by the response', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  let server: Server
  let base: string
  const hits = new Map<string, number>()

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/'
      const n = (hits.get(path) ?? 0) + 1
      hits.set(path, n)
      req.resume()
      if (path === '/flaky') res.writeHead(n === 1 ? 429 : 200, n === 1 ? { 'retry-after': '2' } : {}).end('{}')
      else if (path === '/missing') res.writeHead(404).end('no')
      else if (path === '/down') res.writeHead(503).end('down')
      else if (path === '/slow') setTimeout(() => res.writeHead(200).end('late'), 10_000).unref()
      else res.writeHead(500).end()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    nats = await startNatsServer()
    tmp = tempDir()
    runtime = await testRuntime(nats.url, join(tmp.dir, 'sp.db'), { events: { executors: { webhook: { allowPrivateNetworks: true } } } })
    const retry = { strategy: 'fixed' as const, max_attempts: 3, initial_delay_ms: 100 }
    for (const [type, path, extra] of [
      ['hook.flaky', '/flaky', {}],
      ['hook.missing', '/missing', {}],
      ['hook.down', '/down', {}],
      ['hook.slow', '/slow', { timeout_ms: 500, retry_policy: { ...retry, max_attempts: 1 } }],
    ] as const) {
      await runtime.events.registerHandler({ event_type: type, executor_type: 'webhook', configuration: { url: base + path }, retry_policy: retry, ...extra })
    }
    await runtime.start()
  })

  afterAll(async () => {
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
    server?.closeAllConnections()
    await new Promise((r) => server?.close(r))
  })

  const settled = (id: string) =>
    waitFor(async () => {
      const e = await runtime.events.getEvent(id)
      return e.status === 'completed' || e.status === 'failed' ? e : null
    }, `event ${id} settled`, 30_000)

  it('honours 429 Retry-After: 2 over the policy’s 100 ms, then succeeds', async () => {
    const e = await settled((await runtime.events.createEvent({ type: 'hook.flaky' })).id)
    expect(e.status).toBe('completed')
    const [first, second] = e.executions[0]!.attempt_history
    expect(second!.started_at).toBeDefined()
    expect(Date.parse(second!.started_at) - Date.parse(first!.finished_at)).toBeGreaterThanOrEqual(1900)
  })

  it('tries 404 once and gives up', async () => {
    const e = await settled((await runtime.events.createEvent({ type: 'hook.missing' })).id)
    expect(e.status).toBe('failed')
    expect(e.executions[0]!.attempts).toBe(1)
    expect(hits.get('/missing')).toBe(1)
  })

  it('retries 503 per the policy', async () => {
    const e = await settled((await runtime.events.createEvent({ type: 'hook.down' })).id)
    expect(e.status).toBe('failed')
    const history = e.executions[0]!.attempt_history
    expect(history.map((a) => a.attempt)).toEqual([1, 2, 3])
    for (let i = 1; i < history.length; i++) {
      const gap = Date.parse(history[i]!.started_at) - Date.parse(history[i - 1]!.finished_at)
      expect(gap).toBeGreaterThanOrEqual(90)
      expect(gap).toBeLessThan(1900) // the policy's delay, not some other clock
    }
  })

  it('fails a 10 s server against timeout_ms 500 in about half a second', async () => {
    const e = await settled((await runtime.events.createEvent({ type: 'hook.slow' })).id)
    expect(e.status).toBe('failed')
    const attempt = e.executions[0]!.attempt_history[0]!
    expect(attempt.duration_ms).toBeGreaterThanOrEqual(450)
    expect(attempt.duration_ms).toBeLessThan(3000)
  })
})
