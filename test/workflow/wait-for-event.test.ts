import { describe, expect, it } from 'vitest'
import { Drive } from './support/drive.js'

const definition = (onTimeout: boolean) => ({
  id: 'await-payment',
  name: 'Await payment',
  version: 1,
  steps: [
    {
      id: 'paid',
      type: 'wait_for_event',
      event_type: 'order.paid',
      match: { 'data.order_id': '{{inputs.order_id}}' },
      timeout: '10m',
      ...(onTimeout ? { on_timeout: 'remind' } : {}),
      next_steps: ['ship'],
    },
    { id: 'ship', type: 'action', action: 'order.ship', inputs: { amount: '{{steps.paid.data.amount}}' } },
    { id: 'remind', type: 'action', action: 'order.remind' },
  ].filter((s) => onTimeout || s.id !== 'remind'),
})

describe('wait_for_event steps', () => {
  it('subscribe with the rendered match and a timeout timer', () => {
    const drive = new Drive(definition(true)).start({ input: { order_id: 42 } })
    expect(drive.of('awaitEvent')).toEqual([{ type: 'awaitEvent', stepId: 'paid', key: 'paid', eventType: 'order.paid', match: { 'data.order_id': 42 } }])
    expect(drive.of('setTimer')).toEqual([{ type: 'setTimer', timerId: 'paid:timeout', stepId: 'paid', delayMs: 600_000 }])
  })

  it('resume with the matching event as output, cancelling the timeout', () => {
    const drive = new Drive(definition(true)).start({ input: { order_id: 42 } })
    drive.publish({ type: 'order.paid', data: { order_id: 41, amount: 1 } })
    expect(drive.value).toEqual({ running: 'paid' })
    drive.publish({ type: 'order.paid', data: { order_id: 42, amount: 30 } })
    expect(drive.of('startStep')).toMatchObject([{ stepId: 'ship', input: { amount: 30 } }])
    expect(drive.of('cancelTimer')).toEqual([{ type: 'cancelTimer', timerId: 'paid:timeout', stepId: 'paid' }])
    expect(drive.of('stopAwaitingEvent')).toEqual([{ type: 'stopAwaitingEvent', stepId: 'paid', key: 'paid' }])
  })

  it('refuse an EVENT.MATCHED whose event does not match', () => {
    const drive = new Drive(definition(true)).start({ input: { order_id: 42 } })
    drive.send({ type: 'EVENT.MATCHED', stepId: 'paid', event: { type: 'order.paid', data: { order_id: 7 } } })
    expect(drive.value).toEqual({ running: 'paid' })
  })

  it('take the timeout path when the timer fires first', () => {
    const drive = new Drive(definition(true)).start({ input: { order_id: 42 } }).fireTimer('paid:timeout')
    expect(drive.started).toEqual(['remind'])
    expect(drive.of('stopAwaitingEvent')).toHaveLength(1)
    expect(drive.value).toBe('completed')
  })

  it('fail on timeout when there is no on_timeout', () => {
    const drive = new Drive(definition(false)).start({ input: { order_id: 42 } }).fireTimer()
    expect(drive.value).toBe('failed')
    expect(drive.context.failure).toEqual({ stepId: 'paid', error: 'timed out after 10m waiting for a "order.paid" event' })
  })
})
