import { afterEach, describe, expect, it } from 'vitest'
import { createWebhookExecutor, type WebhookExecutor } from '../../src/executors/webhook.js'
import { freePort } from '../support/nats-server.js'
import { startServer, testContext, webhookOptions, type TestServer } from './helpers.js'

describe('webhook executor: connections', () => {
  let server: TestServer | undefined
  let executor: WebhookExecutor | undefined
  afterEach(async () => {
    await executor?.close()
    await server?.close()
  })

  it('reuses a pooled connection to the same origin across deliveries', async () => {
    server = await startServer((_req, res) => res.end('ok'))
    executor = createWebhookExecutor(webhookOptions({ allowPrivateNetworks: true }))
    const config = executor.validateConfig({ url: server.origin })
    for (let i = 0; i < 6; i++) expect(await executor.execute(config, testContext())).toMatchObject({ ok: true })
    // undici may open a second socket while the first is being released; six calls, not six sockets.
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBeLessThanOrEqual(2)
  })

  it('retries a refused connection', async () => {
    executor = createWebhookExecutor(webhookOptions({ allowPrivateNetworks: true }))
    const config = executor.validateConfig({ url: `http://127.0.0.1:${await freePort()}/` })
    const outcome = await executor.execute(config, testContext())
    expect(outcome).toMatchObject({ ok: false, retryable: true, details: { status: null } })
    if (!outcome.ok) expect(outcome.error).toMatch(/ECONNREFUSED/)
  })

  it('keeps only max_response_bytes of a large response body', async () => {
    server = await startServer((_req, res) => res.end('y'.repeat(1024 * 1024)))
    executor = createWebhookExecutor(webhookOptions({ allowPrivateNetworks: true, maxResponseBytes: 2048 }))
    const byDefault = await executor.execute(executor.validateConfig({ url: server.origin }), testContext())
    expect(byDefault.details).toMatchObject({ status: 200, body: 'y'.repeat(2048), body_truncated: true })
    const configured = await executor.execute(executor.validateConfig({ url: server.origin, max_response_bytes: 10 }), testContext())
    expect(configured.details).toMatchObject({ body: 'y'.repeat(10), body_truncated: true })
  })
})
