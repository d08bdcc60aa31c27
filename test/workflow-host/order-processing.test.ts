import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'
import { orderProcessing } from '../workflow/support/order-processing.js'
import { storeDefinition } from './support/workflows.js'

describe('the seed order-processing workflow in an embedded runtime', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  const calls: { fn: string; key: string; attempt: number; input: unknown }[] = []

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    const database = join(tmp.dir, 'sp.db')
    runtime = await testRuntime(nats.url, database, { events: { processing: { retryDelayMs: 50 } } })
    await storeDefinition(database, orderProcessing)
    const record = (fn: string) => (input: unknown, ctx: { idempotencyKey: string; attempt: number }) => {
      calls.push({ fn, key: ctx.idempotencyKey, attempt: ctx.attempt, input })
    }
    runtime.functions.register('order.validate', (input, ctx) => {
      record('order.validate')(input, ctx)
      return { quantity: (input as { quantity: number }).quantity }
    })
    runtime.functions.register('payment.process', (input, ctx) => {
      record('payment.process')(input, ctx)
      if (ctx.attempt === 1) throw new Error('card network busy')
      return { charged: true }
    })
    runtime.functions.register('order.notify_backorder', (input, ctx) => {
      record('order.notify_backorder')(input, ctx)
      return { notified: true }
    })
    await runtime.start()
  })

  afterAll(async () => {
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('takes the payment branch when inventory suffices, retrying process-payment per its policy', async () => {
    const started = await runtime.workflows.start('order-processing', { inventory: { available: 10 }, quantity: 2 })
    const done = await waitFor(async () => {
      const e = await runtime.workflows.getExecution(started.id)
      return e.status === 'completed' ? e : null
    }, 'the paid order to complete')
    expect(done.steps.map((s) => [s.step_id, s.status, s.attempts])).toEqual([
      ['validate-order', 'completed', 1],
      ['process-payment', 'completed', 2],
    ])
    const payments = calls.filter((c) => c.fn === 'payment.process' && c.key.startsWith(started.id))
    expect(payments.map((c) => [c.key, c.attempt])).toEqual([
      [`${started.id}:process-payment`, 1],
      [`${started.id}:process-payment`, 2],
    ])
    expect(calls.some((c) => c.fn === 'order.notify_backorder' && c.key.startsWith(started.id))).toBe(false)
  })

  it('takes the backorder branch when inventory is short', async () => {
    const started = await runtime.workflows.start('order-processing', { inventory: { available: 1 }, quantity: 5 })
    const done = await waitFor(async () => {
      const e = await runtime.workflows.getExecution(started.id)
      return e.status === 'completed' ? e : null
    }, 'the backordered order to complete')
    expect(done.steps.map((s) => s.step_id)).toEqual(['validate-order', 'notify-backorder'])
    const notify = calls.find((c) => c.fn === 'order.notify_backorder' && c.key === `${started.id}:notify-backorder`)
    expect(notify?.input).toEqual({ inventory: { available: 1 }, quantity: 5 })
  })

  it('starts idempotently by execution id, and refuses bad input naming the field', async () => {
    const a = await runtime.workflows.start('order-processing', { inventory: { available: 3 }, quantity: 1 }, { executionId: 'order-42' })
    const b = await runtime.workflows.start('order-processing', { inventory: { available: 3 }, quantity: 1 }, { executionId: 'order-42' })
    expect(b.id).toBe(a.id)
    await expect(runtime.workflows.start('no-such-workflow')).rejects.toThrow(/no-such-workflow/)
    await expect(runtime.workflows.start('order-processing', [1, 2])).rejects.toThrow(/input/)
    await waitFor(async () => (await runtime.workflows.getExecution('order-42')).status === 'completed', 'order-42 to complete')
  })

  it('starts an execution per event for a workflow handler', async () => {
    await runtime.events.registerHandler({ event_type: 'order.placed', executor_type: 'workflow', configuration: { workflow_id: 'order-processing' } })
    const event = await runtime.events.createEvent({ type: 'order.placed', data: { inventory: { available: 9 }, quantity: 1 } })
    const execution = await waitFor(async () => {
      const all = await runtime.workflows.listExecutions({ workflow_id: 'order-processing', status: 'completed' })
      return all.find((e) => e.trigger_event_id === event.id)
    }, 'the handler-started execution to complete')
    expect(execution.input).toEqual({ inventory: { available: 9 }, quantity: 1 })
    await waitFor(async () => (await runtime.events.getEvent(event.id)).status === 'completed', 'the triggering event to complete')
  })
})
