import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EventRecord } from '../../src/model/event.js'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startServer, type TestServer } from '../executors/helpers.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

const fastRetries = { strategy: 'fixed', max_attempts: 3, initial_delay_ms: 50 } as const

describe('webhook.delivery.* events', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let database: string
  let runtime: Runtime
  let target: TestServer
  let flakyHits = 0
  const failedSeen: EventRecord[] = []
  const config = { events: { executors: { webhook: { allowPrivateNetworks: true } } } }

  /** The delivery events reporting on deliveries of `eventId`, oldest first. */
  const deliveriesOf = async (eventId: string) =>
    (await runtime.events.listEvents({ trigger_type: 'system', order: 'asc', limit: 10_000 })).filter((e) => e.data.event_id === eventId)

  const webhookHandler = (event_type: string, path: string) =>
    runtime.events.registerHandler({ event_type, executor_type: 'webhook', configuration: { url: `${target.origin}${path}` }, retry_policy: fastRetries })

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    database = join(tmp.dir, 'sp.db')
    target = await startServer((req, res) => {
      if (req.url === '/flaky') res.statusCode = ++flakyHits === 1 ? 503 : 200
      else if (req.url === '/gone') res.statusCode = 404
      res.end('{}')
    })
    runtime = await testRuntime(nats.url, database, config)
    runtime.functions.register('record-failure', async (_input, ctx) => {
      failedSeen.push(ctx.event)
    })
    await webhookHandler('order.placed', '/flaky')
    await webhookHandler('order.rejected', '/gone')
    await runtime.events.registerHandler({ event_type: 'webhook.delivery.failed', executor_type: 'function', configuration: { function: 'record-failure' } })
    await runtime.start()
  })

  afterAll(async () => {
    await runtime?.stop()
    await target?.close()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('reports each attempt: a retried 503 as failed (not final), then the 200 as succeeded', async () => {
    const order = await runtime.events.createEvent({ type: 'order.placed', data: { id: 1 } })
    const reports = await waitFor(async () => {
      const r = await deliveriesOf(order.id)
      return r.length === 2 ? r : null
    }, 'two delivery events for order.placed')
    const execution = (await runtime.events.getEvent(order.id)).executions[0]!
    const [failed, succeeded] = [reports.find((e) => e.data.attempt === 1)!, reports.find((e) => e.data.attempt === 2)!]
    expect(failed).toMatchObject({
      id: `${execution.id}:attempt:1:delivery`,
      type: 'webhook.delivery.failed',
      trigger_type: 'system',
      trigger_id: execution.id,
      data: { execution_id: execution.id, event_id: order.id, event_type: 'order.placed', attempt: 1, status: 503, final: false },
    })
    expect(failed.data.error).toMatch(/503/)
    expect(succeeded).toMatchObject({
      id: `${execution.id}:attempt:2:delivery`,
      type: 'webhook.delivery.succeeded',
      data: { execution_id: execution.id, event_id: order.id, attempt: 2, status: 200, final: true },
    })
    expect(succeeded.data).not.toHaveProperty('error')
  })

  it('reports a final 404 once, and a handler on webhook.delivery.failed runs for it', async () => {
    const order = await runtime.events.createEvent({ type: 'order.rejected', data: { id: 2 } })
    const seen = await waitFor(() => failedSeen.find((e) => e.data.event_id === order.id), 'the webhook.delivery.failed handler to run')
    expect(seen.data).toMatchObject({ event_type: 'order.rejected', attempt: 1, status: 404, final: true })
    expect(await deliveriesOf(order.id)).toHaveLength(1)
  })

  it('never reports on deliveries of delivery events, so a webhook on webhook.delivery.> does not loop', async () => {
    await runtime.events.registerListener({ event_pattern: 'webhook.delivery.>', executor_type: 'webhook', configuration: { url: `${target.origin}/ok` } })
    await webhookHandler('order.shipped', '/ok')
    const order = await runtime.events.createEvent({ type: 'order.shipped', data: { id: 3 } })
    const [report] = await waitFor(async () => {
      const r = await deliveriesOf(order.id)
      return r.length ? r : null
    }, 'the delivery event of order.shipped')
    // The listener delivers the report itself...
    await waitFor(async () => {
      const e = await runtime.events.getEvent(report!.id)
      return e.executions.length === 1 && e.executions[0]!.status === 'completed'
    }, 'the listener to deliver the delivery event')
    // ...and stopping waits for any delivery event still being written, so the counts below are final.
    await runtime.stop()
    const reader = await testRuntime(nats.url, database, config)
    try {
      const all = await reader.events.listEvents({ limit: 10_000 })
      const reports = all.filter((e) => e.type.startsWith('webhook.delivery.'))
      expect(reports.filter((e) => String(e.data.event_type).startsWith('webhook.delivery.'))).toEqual([])
      expect(reports.filter((e) => e.data.event_id === order.id)).toHaveLength(1)
      const deliveredReports = target.requests.filter((r) => r.url === '/ok' && (JSON.parse(r.body) as EventRecord).type.startsWith('webhook.delivery.'))
      expect(deliveredReports).toHaveLength(1)
    } finally {
      await reader.stop()
    }
  })
})
