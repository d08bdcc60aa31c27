import { describe, expect, it } from 'vitest'
import { Drive } from './support/drive.js'

const overItems = (max = 10) => ({
  id: 'each',
  name: 'Each',
  version: 1,
  steps: [
    { id: 'lines', type: 'loop', over: '{{inputs.lines}}', steps: ['price', 'charge'], max_iterations: max, next_steps: ['total'] },
    { id: 'price', type: 'action', action: 'line.price', inputs: { sku: '{{loop.item.sku}}', n: '{{loop.index}}' } },
    { id: 'charge', type: 'action', action: 'line.charge', inputs: { amount: '{{steps.price.amount}}' } },
    { id: 'total', type: 'action', action: 'order.total', inputs: { results: '{{steps.lines.results}}' } },
  ],
})

const polling = (onMax: 'fail' | 'continue') => ({
  id: 'poll',
  name: 'Poll',
  version: 1,
  steps: [
    { id: 'until-ready', type: 'loop', while: [{ field: 'steps.check.ready', operator: 'neq', value: true }], steps: ['check'], max_iterations: 3, on_max_iterations: onMax },
    { id: 'check', type: 'action', action: 'thing.check' },
  ],
})

describe('loop steps', () => {
  it('run the body once per item, in order, each run with its own key', () => {
    const drive = new Drive(overItems(), { steps: { price: (e) => ({ output: { amount: (e.input as { n: number }).n * 10 } }) } })
    drive.start({ input: { lines: [{ sku: 'a' }, { sku: 'b' }] } })
    const runs = drive.of('startStep').map((e) => [e.key, e.input])
    expect(runs).toEqual([
      ['lines[0].price', { sku: 'a', n: 0 }],
      ['lines[0].charge', { amount: 0 }],
      ['lines[1].price', { sku: 'b', n: 1 }],
      ['lines[1].charge', { amount: 10 }],
      ['total', { results: drive.context.steps.lines && (drive.context.steps.lines as { results: unknown }).results }],
    ])
    expect(drive.context.steps.lines).toEqual({
      iterations: 2,
      results: [
        { price: { amount: 0 }, charge: { ran: 'charge' } },
        { price: { amount: 10 }, charge: { ran: 'charge' } },
      ],
    })
    expect(drive.value).toBe('completed')
  })

  it('refuse at once to loop over more items than max_iterations', () => {
    const drive = new Drive(overItems(2)).start({ input: { lines: [1, 2, 3] } })
    expect(drive.started).toEqual([])
    expect(drive.context.failure).toEqual({ stepId: 'lines', error: 'over has 3 items, more than max_iterations (2)' })
  })

  it('fail when over is not an array', () => {
    const drive = new Drive(overItems()).start({ input: { lines: 'abc' } })
    expect(drive.context.failure?.error).toBe('over rendered to "abc", not an array')
  })

  it('repeat while the conditions hold', () => {
    let n = 0
    const drive = new Drive(polling('fail'), { steps: { check: () => ({ output: { ready: ++n === 2 } }) } }).start()
    expect(drive.started).toEqual(['check', 'check'])
    expect(drive.value).toBe('completed')
  })

  it('stop at max_iterations: failing by default', () => {
    const drive = new Drive(polling('fail'), { steps: { check: { output: { ready: false } } } }).start()
    expect(drive.started).toHaveLength(3)
    expect(drive.value).toBe('failed')
    expect(drive.context.failure).toEqual({ stepId: 'until-ready', error: 'loop did not finish within max_iterations (3)' })
  })

  it('stop at max_iterations: going on when asked', () => {
    const drive = new Drive(polling('continue'), { steps: { check: { output: { ready: false } } } }).start()
    expect(drive.started).toHaveLength(3)
    expect(drive.value).toBe('completed')
  })

  it('ignore a late report from an earlier iteration', () => {
    const drive = new Drive(overItems(), { steps: { charge: 'hold' } }).start({ input: { lines: [{ sku: 'a' }, { sku: 'b' }] } })
    drive.finishStep('charge', { output: {} })
    expect(drive.of('startStep').at(-1)?.key).toBe('lines[1].charge')
    drive.send({ type: 'STEP.COMPLETED', stepId: 'charge', key: 'lines[0].charge', output: {} })
    expect(drive.value).toEqual({ running: { lines: { body: 'charge' } } })
  })
})
