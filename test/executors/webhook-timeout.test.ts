import { afterEach, expect, it } from 'vitest'
import { createWebhookExecutor, type WebhookExecutor } from '../../src/executors/webhook.js'
import { startServer, testContext, webhookOptions, type TestServer } from './helpers.js'

let server: TestServer | undefined
let executor: WebhookExecutor | undefined
afterEach(async () => {
  await executor?.close()
  await server?.close()
})

it('gives up on a server that takes 10 s after timeout_ms 500, and retries later', async () => {
  server = await startServer((_req, res) => {
    const timer = setTimeout(() => res.end('too late'), 10_000)
    res.on('close', () => clearTimeout(timer))
  })
  executor = createWebhookExecutor(webhookOptions({ allowPrivateNetworks: true }))
  const config = executor.validateConfig({ url: server.origin, timeout_ms: 500 })

  const started = Date.now()
  const outcome = await executor.execute(config, testContext())
  const elapsed = Date.now() - started

  expect(outcome).toMatchObject({ ok: false, retryable: true, details: { status: null } })
  if (!outcome.ok) expect(outcome.error).toMatch(/timed out after 500 ms/)
  expect(elapsed).toBeGreaterThanOrEqual(400)
  expect(elapsed).toBeLessThan(3000)
  expect(server.requests).toHaveLength(1)
})
