import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWebhookExecutor } from '../../src/executors/webhook.js'
import { startServer, testContext, testEvent, webhookOptions, type TestServer } from './helpers.js'

describe('webhook executor: the request', () => {
  let server: TestServer
  const executor = createWebhookExecutor(webhookOptions({ allowHosts: ['127.0.0.1'] }))
  const event = testEvent({ data: { order: { id: 42, customer: 'ada lovelace' }, token: 'tok_1' } })

  beforeAll(async () => {
    server = await startServer((_req, res) => res.end())
  })
  afterAll(async () => {
    await executor.close()
    await server.close()
  })

  async function lastRequest(configuration: Record<string, unknown>) {
    const outcome = await executor.execute(executor.validateConfig(configuration), testContext({ event }))
    expect(outcome.ok).toBe(true)
    return server.requests.at(-1)!
  }

  it('POSTs the event as JSON by default, with webhook-id and webhook-timestamp', async () => {
    const req = await lastRequest({ url: server.origin })
    expect(req.method).toBe('POST')
    expect(JSON.parse(req.body)).toEqual(event)
    expect(req.headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'exe_01:key' })
    expect(Math.abs(Number(req.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5)
    expect(req.headers['webhook-signature']).toBeUndefined()
  })

  it('renders templates in the url, the headers and the body', async () => {
    const req = await lastRequest({
      url: `${server.origin}/orders/{{event.data.order.id}}?who={{event.data.order.customer}}`,
      method: 'put',
      headers: { 'X-Customer': '{{event.data.order.customer}}' },
      body: { id: '{{event.data.order.id}}', note: 'order {{event.data.order.id}}' },
    })
    expect(req.method).toBe('PUT')
    expect(req.url).toBe('/orders/42?who=ada%20lovelace')
    expect(req.headers['x-customer']).toBe('ada lovelace')
    expect(JSON.parse(req.body)).toEqual({ id: 42, note: 'order 42' })
  })

  it('sends a string body as text, and no body with GET', async () => {
    expect((await lastRequest({ url: server.origin, body: 'id={{event.data.order.id}}' })).body).toBe('id=42')
    expect(server.requests.at(-1)?.headers['content-type']).toBe('text/plain; charset=utf-8')
    const get = await lastRequest({ url: server.origin, method: 'GET' })
    expect(get).toMatchObject({ method: 'GET', body: '' })
  })

  it('adds bearer, basic and api-key authentication', async () => {
    expect((await lastRequest({ url: server.origin, auth: { type: 'bearer', token: 's3cr3t' } })).headers.authorization).toBe('Bearer s3cr3t')
    const basic = await lastRequest({ url: server.origin, auth: { type: 'basic', username: 'ada', password: 'p:w' } })
    expect(Buffer.from(String(basic.headers.authorization).replace('Basic ', ''), 'base64').toString()).toBe('ada:p:w')
    expect((await lastRequest({ url: server.origin, auth: { type: 'api-key', header: 'X-Api-Key', value: 'k1' } })).headers['x-api-key']).toBe('k1')
  })

  it('fails for good when a template renders a URL that is not http(s)', async () => {
    const config = executor.validateConfig({ url: 'http://{{event.data.token}}:99999/' })
    expect(await executor.execute(config, testContext({ event }))).toMatchObject({ ok: false, retryable: false })
  })
})
