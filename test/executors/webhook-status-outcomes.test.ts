import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWebhookExecutor } from '../../src/executors/webhook.js'
import { startServer, testContext, webhookOptions, type TestServer } from './helpers.js'

describe('webhook executor: outcome by status', () => {
  let server: TestServer
  const executor = createWebhookExecutor(webhookOptions({ allowHosts: ['127.0.0.1'] }))
  const httpDate = new Date(Date.now() + 30_000).toUTCString()

  beforeAll(async () => {
    // The path names the answer: /status/<code>[?retry-after=<value>]
    server = await startServer((req, res) => {
      const url = new URL(req.url, 'http://test')
      const retryAfter = url.searchParams.get('retry-after')
      res.writeHead(Number(url.pathname.split('/')[2]), retryAfter ? { 'retry-after': retryAfter } : {}).end(`{"answer":"${url.pathname}"}`)
    })
  })
  afterAll(async () => {
    await executor.close()
    await server.close()
  })

  const deliver = (path: string) => executor.execute(executor.validateConfig({ url: `${server.origin}${path}` }), testContext())

  it('succeeds on 2xx, with status, body and duration recorded', async () => {
    const outcome = await deliver('/status/201')
    expect(outcome).toMatchObject({ ok: true, output: { status: 201, body: { answer: '/status/201' } } })
    expect(outcome.details).toMatchObject({ status: 201, body: '{"answer":"/status/201"}', body_truncated: false })
    expect(outcome.details?.duration_ms).toBeGreaterThanOrEqual(0)
  })

  it('gives 429 with Retry-After: 2 a retry delay of 2000 ms', async () => {
    expect(await deliver('/status/429?retry-after=2')).toMatchObject({ ok: false, retryable: true, retryAfterMs: 2000, details: { status: 429 } })
  })

  it('reads Retry-After given as an HTTP date', async () => {
    const outcome = await deliver(`/status/503?retry-after=${encodeURIComponent(httpDate)}`)
    expect(outcome).toMatchObject({ ok: false, retryable: true })
    const retryAfterMs = outcome.ok ? 0 : (outcome.retryAfterMs ?? 0)
    expect(retryAfterMs).toBeGreaterThan(25_000)
    expect(retryAfterMs).toBeLessThanOrEqual(30_000)
  })

  it('retries 503 and 408 without a Retry-After, leaving the delay to the policy', async () => {
    const outcome = await deliver('/status/503')
    expect(outcome).toMatchObject({ ok: false, retryable: true, details: { status: 503 } })
    expect(outcome).not.toHaveProperty('retryAfterMs')
    expect(await deliver('/status/408')).toMatchObject({ ok: false, retryable: true })
  })

  it('fails for good on 404 and other client errors', async () => {
    const outcome = await deliver('/status/404')
    expect(outcome).toMatchObject({ ok: false, retryable: false, details: { status: 404 } })
    if (!outcome.ok) expect(outcome.error).toMatch(/answered 404 \(final/)
    expect(await deliver('/status/400')).toMatchObject({ ok: false, retryable: false })
  })
})
