import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

describe('GET /healthz', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  let url: string

  const health = async () => {
    const res = await fetch(url)
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    runtime = await testRuntime(nats.url, join(tmp.dir, 'sp.db'), { events: { http: { port: 0 } } })
    await runtime.start()
    url = `http://127.0.0.1:${runtime.httpAddress()!.port}/healthz`
  })

  afterAll(async () => {
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('answers 200 while NATS and the database answer, 503 with the reason while NATS is down, and 200 again once it is back', async () => {
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok', nats: { status: 'ok' }, database: { status: 'ok' } } })

    await nats.stop()
    const down = await waitFor(async () => {
      const h = await health()
      return h.status === 503 ? h : null
    }, 'healthz to report NATS down')
    expect(down.body).toMatchObject({ status: 'unavailable', nats: { status: 'unavailable' }, database: { status: 'ok' } })
    expect(down.body.reason).toMatch(/^nats: /)

    await nats.restart()
    await waitFor(async () => (await health()).status === 200, 'healthz to recover after NATS restarts')
  })

  it('is not served without events.http.port', async () => {
    const other = await testRuntime(nats.url, join(tmp.dir, 'other.db'))
    try {
      await other.start()
      expect(other.httpAddress()).toBeNull()
    } finally {
      await other.stop()
    }
  })
})
