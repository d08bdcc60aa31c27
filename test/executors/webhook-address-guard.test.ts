import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createWebhookExecutor, type WebhookExecutorOptions } from '../../src/executors/webhook.js'
import { ValidationError } from '../../src/errors.js'
import { startServer, testContext, testEvent, webhookOptions, type TestServer } from './helpers.js'

describe('webhook executor: private and link-local targets', () => {
  let server: TestServer
  const connectingTo: string[] = []
  const onConnect = (message: unknown) => connectingTo.push((message as { connectParams: { hostname: string } }).connectParams.hostname)

  beforeAll(async () => {
    server = await startServer((_req, res) => res.end('ok'))
  })
  afterAll(() => server.close())
  beforeEach(() => {
    connectingTo.length = 0
    server.requests.length = 0
    subscribe('undici:client:beforeConnect', onConnect)
  })
  afterEach(() => unsubscribe('undici:client:beforeConnect', onConnect))

  /** The target comes from the event (`{{event.data.target}}`), so only delivery can judge it. */
  async function deliver(target: string, overrides: Partial<WebhookExecutorOptions> = {}) {
    const executor = createWebhookExecutor(webhookOptions(overrides))
    try {
      const config = executor.validateConfig({ url: 'http://{{event.data.target}}' })
      return await executor.execute(config, testContext({ event: testEvent({ data: { target } }) }))
    } finally {
      await executor.close()
    }
  }

  it('refuses a fixed private or link-local URL at registration, naming configuration.url', async () => {
    const executor = createWebhookExecutor(webhookOptions())
    for (const url of ['http://169.254.169.254/latest/meta-data/', `${server.origin}/`, 'http://[fd00:ec2::254]/']) {
      expect(() => executor.validateConfig({ url }), url).toThrow(ValidationError)
    }
    expect(() => executor.validateConfig({ url: 'http://169.254.169.254/' })).toThrow(/configuration\.url: refused to connect to 169\.254\.169\.254: cloud metadata/)
    expect(createWebhookExecutor(webhookOptions({ allowPrivateNetworks: true })).validateConfig({ url: 'http://169.254.169.254/' })).toBeTruthy()
    await executor.close()
  })

  it('refuses the cloud metadata address at delivery before any connection, as a final failure', async () => {
    const started = Date.now()
    const outcome = await deliver('169.254.169.254/latest/meta-data/')
    expect(outcome).toMatchObject({ ok: false, retryable: false })
    if (!outcome.ok) expect(outcome.error).toMatch(/refused to connect to 169\.254\.169\.254: cloud metadata .* allowPrivateNetworks/)
    expect(connectingTo).toEqual([])
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('refuses loopback by default, by IP literal in any spelling', async () => {
    for (const target of [`127.0.0.1:${server.port}/`, `[::1]:${server.port}/`, `[::ffff:127.0.0.1]:${server.port}/`, `2130706433:${server.port}/`]) {
      const outcome = await deliver(target)
      expect(outcome, target).toMatchObject({ ok: false, retryable: false })
    }
    expect(connectingTo).toEqual([])
    expect(server.requests).toHaveLength(0)
  })

  it('refuses a host name that resolves to a private address, without reaching it', async () => {
    const outcome = await deliver(`hooks.test:${server.port}/`)
    expect(outcome).toMatchObject({ ok: false, retryable: false })
    if (!outcome.ok) expect(outcome.error).toMatch(/hooks\.test \(resolves to 127\.0\.0\.1\): loopback/)
    // A name with one public and one private address is refused too: every answer is judged.
    const mixed = await deliver(`mixed.test:${server.port}/`, {
      resolveHost: async () => [
        { address: '192.0.2.10', family: 4 }, // TEST-NET-1: never routed, and never tried here
        { address: '127.0.0.1', family: 4 },
      ],
    })
    expect(mixed).toMatchObject({ ok: false, retryable: false })
    expect(server.requests).toHaveLength(0)
  })

  it('delivers to loopback when allowPrivateNetworks is set, or the host is in allowHosts', async () => {
    expect(await deliver(`127.0.0.1:${server.port}/a`, { allowPrivateNetworks: true })).toMatchObject({ ok: true })
    expect(await deliver(`127.0.0.1:${server.port}/b`, { allowHosts: ['127.0.0.1'] })).toMatchObject({ ok: true })
    expect(await deliver(`hooks.test:${server.port}/c`, { allowHosts: ['hooks.test'] })).toMatchObject({ ok: true })
    expect(server.requests.map((r) => r.url)).toEqual(['/a', '/b', '/c'])
  })
})
