import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterEach, expect, it } from 'vitest'
import { createWebhookExecutor, type WebhookExecutor } from '../../src/executors/webhook.js'
import { startServer, testContext, webhookOptions, type TestServer } from './helpers.js'

let server: TestServer | undefined
let executor: WebhookExecutor | undefined
afterEach(async () => {
  await executor?.close()
  await server?.close()
})

it('signs every delivery so an independent Standard Webhooks library verifies it, with one webhook-id across retries', async () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`
  const verifier = new Webhook(secret)
  const verified: unknown[] = []
  let calls = 0
  server = await startServer((req, res) => {
    // The library throws on a bad or stale signature; the server answers 401 then.
    try {
      verified.push(verifier.verify(req.body, req.headers as Record<string, string>))
    } catch {
      res.writeHead(401).end('bad signature')
      return
    }
    calls++
    res.writeHead(calls === 1 ? 503 : 200).end()
  })
  executor = createWebhookExecutor(webhookOptions({ allowHosts: ['127.0.0.1'] }))
  const config = executor.validateConfig({ url: `${server.origin}/hooks`, secret })
  const ctx = testContext({ idempotencyKey: 'exe_01:attempts-share-me' })

  const first = await executor.execute(config, { ...ctx, attempt: 1 })
  const second = await executor.execute(config, { ...ctx, attempt: 2 })

  expect(first).toMatchObject({ ok: false, retryable: true, details: { status: 503 } })
  expect(second).toMatchObject({ ok: true, details: { status: 200 } })
  expect(verified).toEqual([ctx.event, ctx.event])
  const [a, b] = server.requests
  expect(a?.headers['webhook-id']).toBe('exe_01:attempts-share-me')
  expect(b?.headers['webhook-id']).toBe(a?.headers['webhook-id'])
  expect(a?.headers['content-type']).toBe('application/json')
})
