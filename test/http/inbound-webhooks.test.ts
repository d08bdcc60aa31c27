import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EventRecord } from '../../src/model/event.js'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'
import { newSecret, postChunked, postSigned } from './helpers.js'

describe('inbound webhooks: POST /webhooks/<source>', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  let base: string
  const github = newSecret()
  const billing = newSecret()
  const seen: EventRecord[] = []

  const eventCount = async () => (await runtime.events.listEvents({ limit: 10_000 })).length

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    runtime = await testRuntime(nats.url, join(tmp.dir, 'sp.db'), {
      events: {
        http: {
          port: 0,
          maxBodyBytes: 1024,
          webhooks: {
            github: { secret: github, headers: ['X-GitHub-Event'] },
            billing: { secret: billing, event_type: 'invoice.received' },
          },
        },
      },
    })
    runtime.functions.register('record', async (_input, ctx) => {
      seen.push(ctx.event)
    })
    await runtime.events.registerHandler({ event_type: 'webhook.github', executor_type: 'function', configuration: { function: 'record' } })
    await runtime.events.registerHandler({ event_type: 'invoice.received', executor_type: 'function', configuration: { function: 'record' } })
    await runtime.start()
    const address = runtime.httpAddress()
    expect(address).toMatchObject({ host: '127.0.0.1' })
    base = `http://127.0.0.1:${address!.port}`
  })

  afterAll(async () => {
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('turns a signed POST into an event that a handler sees, answering 202 with its id once stored', async () => {
    const body = JSON.stringify({ action: 'opened', number: 7 })
    const reply = await postSigned(`${base}/webhooks/github`, body, { secret: github, id: 'msg_opened_7', headers: { 'X-GitHub-Event': 'pull_request' } })
    expect(reply.status).toBe(202)
    const id = reply.body.id as string
    // 202 means committed: the event is readable at once.
    const stored = await runtime.events.getEvent(id)
    expect(stored).toMatchObject({
      type: 'webhook.github',
      trigger_type: 'webhook',
      trigger_id: 'msg_opened_7',
      data: { action: 'opened', number: 7 },
      metadata: { source: 'github', headers: { 'webhook-id': 'msg_opened_7', 'x-github-event': 'pull_request' } },
    })
    expect(stored.metadata.headers).toHaveProperty('webhook-timestamp')
    expect(stored.metadata.headers).not.toHaveProperty('webhook-signature')
    const handled = await waitFor(() => seen.find((e) => e.id === id), 'the handler to see the webhook event')
    expect(handled.data).toEqual({ action: 'opened', number: 7 })
  })

  it('maps a source to its configured event type and wraps a body that is not an object', async () => {
    const reply = await postSigned(`${base}/webhooks/billing`, '[1,2,3]', { secret: billing })
    expect(reply.status).toBe(202)
    const event = await runtime.events.getEvent(reply.body.id as string)
    expect(event).toMatchObject({ type: 'invoice.received', data: { payload: [1, 2, 3] }, metadata: { source: 'billing' } })
    await waitFor(() => seen.some((e) => e.id === event.id), 'the invoice.received handler')
  })

  it('gives a replayed webhook-id the same event, stored and handled once', async () => {
    const body = JSON.stringify({ action: 'closed' })
    const first = await postSigned(`${base}/webhooks/github`, body, { secret: github, id: 'msg_replayed' })
    const before = await eventCount()
    // A sender's retry: same webhook-id, signed again later.
    const again = await postSigned(`${base}/webhooks/github`, body, { secret: github, id: 'msg_replayed', at: new Date(Date.now() + 1000) })
    expect([first.status, again.status]).toEqual([202, 202])
    expect(again.body.id).toBe(first.body.id)
    expect(await eventCount()).toBe(before)
    const event = await waitFor(async () => {
      const e = await runtime.events.getEvent(first.body.id as string)
      return e.status === 'completed' ? e : null
    }, 'the replayed event to complete')
    expect(event.executions).toHaveLength(1)
    expect(seen.filter((e) => e.id === first.body.id)).toHaveLength(1)
  })

  it('refuses bad requests with the right status, a JSON reason, and creates nothing', async () => {
    const url = `${base}/webhooks/github`
    const body = JSON.stringify({ ok: true })
    const before = await eventCount()

    const badSignature = await postSigned(url, body, { secret: newSecret() })
    expect(badSignature).toMatchObject({ status: 401, body: { error: 'bad_signature' } })

    const missing = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    expect(missing.status).toBe(401)
    expect(await missing.json()).toMatchObject({ error: 'missing_header' })

    const stale = await postSigned(url, body, { secret: github, at: new Date(Date.now() - 6 * 60_000) })
    expect(stale).toMatchObject({ status: 401, body: { error: 'stale_timestamp' } })

    const tampered = await postSigned(url, body, { secret: github, signature: 'v1,' + Buffer.alloc(32).toString('base64') })
    expect(tampered.status).toBe(401)

    const oversized = await postSigned(url, JSON.stringify({ pad: 'x'.repeat(4096) }), { secret: github })
    expect(oversized).toMatchObject({ status: 413, body: { error: 'payload_too_large' } })

    const chunked = await postChunked(url, ['{"pad":"', 'x'.repeat(600), 'x'.repeat(600), '"}'], github)
    expect(chunked.status).toBe(413)

    const wrongType = await postSigned(url, body, { secret: github, contentType: 'text/plain' })
    expect(wrongType).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } })

    const notJson = await postSigned(url, '{"unterminated": ', { secret: github })
    expect(notJson).toMatchObject({ status: 400, body: { error: 'invalid_json' } })

    const unknown = await postSigned(`${base}/webhooks/stripe`, body, { secret: github })
    expect(unknown).toMatchObject({ status: 404, body: { error: 'unknown_source' } })

    expect(await eventCount()).toBe(before)
  })

  it('answers other methods and paths with 405 or 404 and a JSON body', async () => {
    const get = await fetch(`${base}/webhooks/github`)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect(await get.json()).toMatchObject({ error: 'method_not_allowed' })

    const nowhere = await fetch(`${base}/nowhere`, { method: 'POST', body: '{}' })
    expect(nowhere.status).toBe(404)
    expect(await nowhere.json()).toMatchObject({ error: 'not_found' })

    const postHealth = await fetch(`${base}/healthz`, { method: 'POST' })
    expect(postHealth.status).toBe(405)
  })
})
