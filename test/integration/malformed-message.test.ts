import { join } from 'node:path'
import { connect, headers, type NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

describe('malformed messages on sp.events.>', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  let nc: NatsConnection
  const handled: string[] = []

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    runtime = await testRuntime(nats.url, join(tmp.dir, 'sp.db'))
    runtime.functions.register('t.record', (_input, ctx) => {
      handled.push(ctx.event.id)
    })
    await runtime.events.registerHandler({ event_type: 'order.created', executor_type: 'function', configuration: { function: 't.record' } })
    await runtime.start()
    nc = await connect({ servers: nats.url })
  })

  afterAll(async () => {
    await nc?.close()
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  /** Publishes bad messages, then one good one with a known id, and waits for the good one to complete. */
  async function publishThenGood(bad: { subject: string; body: string }[], goodId: string): Promise<void> {
    for (const m of bad) nc.publish(m.subject, m.body)
    const h = headers()
    h.set('Nats-Msg-Id', goodId)
    nc.publish('sp.events.order.created', JSON.stringify({ data: { n: 1 } }), { headers: h })
    await nc.flush()
    await waitFor(async () => (await runtime.events.getEvent(goodId).catch(() => null))?.status === 'completed', `${goodId} completed`)
  }

  async function letterFor(subject: string, payload: string) {
    const letters = await runtime.deadLetters.list({ kind: 'message' })
    return letters.find((l) => l.subject === subject && l.payload === payload)
  }

  it('records a body that is not JSON as a dead letter and processes the good event behind it', async () => {
    await publishThenGood([{ subject: 'sp.events.order.created', body: '{not json' }], 'good-after-json')
    const letter = await waitFor(() => letterFor('sp.events.order.created', '{not json'), 'dead letter for the non-JSON body')
    expect(letter.kind).toBe('message')
    expect(letter.reason).toMatch(/not valid JSON/)
    expect(handled).toContain('good-after-json')
  })

  it('names the field at fault for a bad priority and for an unknown key', async () => {
    const badPriority = JSON.stringify({ priority: 'urgent' })
    const unknownKey = JSON.stringify({ data: {}, colour: 'red' })
    const both = JSON.stringify({ priority: 'urgent', size: 3 })
    await publishThenGood(
      [
        { subject: 'sp.events.order.created', body: badPriority },
        { subject: 'sp.events.order.created', body: unknownKey },
        { subject: 'sp.events.order.created', body: both },
      ],
      'good-after-schema',
    )
    const priority = await waitFor(() => letterFor('sp.events.order.created', badPriority), 'dead letter for priority')
    expect(priority.reason).toMatch(/priority/)
    const unknown = await waitFor(() => letterFor('sp.events.order.created', unknownKey), 'dead letter for the unknown key')
    expect(unknown.reason).toMatch(/colour/)
    expect(unknown.reason).toMatch(/unknown key/)
    const twoFaults = await waitFor(() => letterFor('sp.events.order.created', both), 'dead letter naming two fields')
    expect(twoFaults.reason).toMatch(/body\.priority/)
    expect(twoFaults.reason).toMatch(/body\.size: unknown key/)
    expect(handled).toContain('good-after-schema')
  })

  it('refuses a subject whose type is not a valid event type', async () => {
    const body = JSON.stringify({ data: { n: 2 } })
    await publishThenGood([{ subject: 'sp.events.bad$type', body }], 'good-after-subject')
    const letter = await waitFor(() => letterFor('sp.events.bad$type', body), 'dead letter for sp.events.bad$type')
    expect(letter.reason).toMatch(/bad\$type/)
    expect(letter.reason).toMatch(/not a valid event type/)
    expect((await runtime.events.listEvents({ limit: 1000 })).some((e) => e.type.includes('$'))).toBe(false)
  })

  it('refuses a Nats-Msg-Id that is not a valid event id', async () => {
    const body = JSON.stringify({ data: { n: 3 } })
    const h = headers()
    h.set('Nats-Msg-Id', 'an id with spaces')
    nc.publish('sp.events.order.created', body, { headers: h })
    await publishThenGood([], 'good-after-header')
    const letter = await waitFor(() => letterFor('sp.events.order.created', body), 'dead letter for the bad message id')
    expect(letter.reason).toMatch(/Nats-Msg-Id "an id with spaces"/)
  })

  it('never stores an event for a bad message, and keeps running', async () => {
    const events = await runtime.events.listEvents({ limit: 1000 })
    expect(events.map((e) => e.id).sort()).toEqual(['good-after-header', 'good-after-json', 'good-after-schema', 'good-after-subject'])
    expect(events.every((e) => e.status === 'completed')).toBe(true)
    const letters = await runtime.deadLetters.list({ kind: 'message' })
    expect(letters).toHaveLength(6)
    expect(letters.every((l) => l.event_id === null && l.execution_id === null)).toBe(true)
    // Still consuming: one more good event goes through.
    await publishThenGood([], 'good-at-the-end')
  })
})
