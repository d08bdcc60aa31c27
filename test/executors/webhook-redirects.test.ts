import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { HostResolver } from '../../src/net/address-guard.js'
import { createWebhookExecutor, type WebhookExecutorOptions } from '../../src/executors/webhook.js'
import { startServer, testContext, webhookOptions, type TestServer } from './helpers.js'

/**
 * Two servers on loopback. `hooks.test` names the first and is allowed by allowHosts; the second is
 * reachable only as 127.0.0.1 or `internal.test`, neither allowed. All traffic stays on 127.0.0.1.
 */
describe('webhook executor: redirects', () => {
  let first: TestServer
  let second: TestServer
  let location = ''
  const resolveHost: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }]

  beforeAll(async () => {
    second = await startServer((_req, res) => res.end('second'))
    first = await startServer((req, res) => {
      if (req.url === '/final') res.end('first')
      else res.writeHead(307, { location }).end()
    })
  })
  afterAll(async () => {
    await first.close()
    await second.close()
  })
  beforeEach(() => {
    first.requests.length = 0
    second.requests.length = 0
  })

  async function deliver(overrides: Partial<WebhookExecutorOptions>) {
    const executor = createWebhookExecutor(webhookOptions({ resolveHost, allowHosts: ['hooks.test'], ...overrides }))
    try {
      return await executor.execute(executor.validateConfig({ url: `http://hooks.test:${first.port}/start`, secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` }), testContext())
    } finally {
      await executor.close()
    }
  }

  it('does not follow a redirect by default: a final failure naming the Location', async () => {
    location = `http://hooks.test:${first.port}/final`
    const outcome = await deliver({})
    expect(outcome).toMatchObject({ ok: false, retryable: false, details: { status: 307 } })
    if (!outcome.ok) expect(outcome.error).toContain(`answered 307 to http://hooks.test:${first.port}/final; redirects are not followed`)
    expect(first.requests).toHaveLength(1)
  })

  it('follows allowed redirects up to followRedirects, keeping method, body and signature', async () => {
    location = '/final'
    const outcome = await deliver({ followRedirects: 2 })
    expect(outcome).toMatchObject({ ok: true, details: { status: 200, body: 'first', redirects: [`http://hooks.test:${first.port}/final`] } })
    const [start, final] = first.requests
    expect(final).toMatchObject({ method: 'POST', body: start?.body })
    expect(final?.headers['webhook-signature']).toBe(start?.headers['webhook-signature'])
  })

  it('refuses a redirect to a private IP literal even though the first hop was allowed', async () => {
    location = `http://127.0.0.1:${second.port}/`
    const outcome = await deliver({ followRedirects: 3 })
    expect(outcome).toMatchObject({ ok: false, retryable: false })
    if (!outcome.ok) expect(outcome.error).toMatch(/refused to connect to 127\.0\.0\.1: loopback/)
    expect(second.requests).toHaveLength(0)
  })

  it('refuses a redirect to a host name that resolves to a private address', async () => {
    location = `http://internal.test:${second.port}/`
    const outcome = await deliver({ followRedirects: 3 })
    expect(outcome).toMatchObject({ ok: false, retryable: false })
    if (!outcome.ok) expect(outcome.error).toMatch(/internal\.test \(resolves to 127\.0\.0\.1\)/)
    expect(second.requests).toHaveLength(0)
  })

  it('refuses a redirect to the cloud metadata address', async () => {
    location = 'http://169.254.169.254/latest/meta-data/iam/'
    const outcome = await deliver({ followRedirects: 3 })
    expect(outcome).toMatchObject({ ok: false, retryable: false })
    if (!outcome.ok) expect(outcome.error).toMatch(/169\.254\.169\.254: cloud metadata/)
  })

  it('stops after followRedirects hops', async () => {
    location = '/again'
    const outcome = await deliver({ followRedirects: 2 })
    expect(outcome).toMatchObject({ ok: false, retryable: false })
    if (!outcome.ok) expect(outcome.error).toMatch(/more than 2 redirects/)
    expect(first.requests).toHaveLength(3)
  })
})
