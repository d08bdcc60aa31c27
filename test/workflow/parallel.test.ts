import { describe, expect, it } from 'vitest'
import { activeSteps } from '../../machines/index.js'
import { Drive } from './support/drive.js'

const fanOut = (join: 'all' | 'any') => ({
  id: 'fan-out',
  name: 'Fan out',
  version: 1,
  steps: [
    { id: 'both', type: 'parallel', join, branches: [['reserve', 'confirm'], ['charge']], next_steps: ['ship'] },
    { id: 'reserve', type: 'action', action: 'stock.reserve' },
    { id: 'confirm', type: 'action', action: 'stock.confirm' },
    { id: 'charge', type: 'action', action: 'payment.charge' },
    { id: 'ship', type: 'action', action: 'order.ship' },
  ],
})

describe('parallel steps', () => {
  it('start every branch together and run each branch in list order', () => {
    const drive = new Drive(fanOut('all'), { steps: { reserve: 'hold', charge: 'hold' } }).start()
    expect(drive.started).toEqual(['reserve', 'charge'])
    expect(drive.value).toEqual({ running: { both: { 'branch-1': 'reserve', 'branch-2': 'charge' } } })
    expect(activeSteps(drive.snapshot).sort()).toEqual(['both', 'charge', 'reserve'])
    drive.finishStep('reserve', { output: { id: 'r' } })
    expect(drive.started).toEqual(['reserve', 'charge', 'confirm'])
  })

  it('join all: go on only when every branch is done', () => {
    const drive = new Drive(fanOut('all'), { steps: { charge: 'hold' } }).start()
    expect(drive.started).toEqual(['reserve', 'charge', 'confirm'])
    expect(drive.started).not.toContain('ship')
    drive.finishStep('charge', { output: { paid: true } })
    expect(drive.started.at(-1)).toBe('ship')
    expect(drive.value).toBe('completed')
    expect(drive.context.steps.both).toEqual({
      branches: [{ reserve: { ran: 'reserve' }, confirm: { ran: 'confirm' } }, { charge: { paid: true } }],
    })
  })

  it('join any: go on when the first branch is done, cancelling the others', () => {
    const drive = new Drive(fanOut('any'), { steps: { reserve: 'hold' } }).start()
    expect(drive.started).toEqual(['reserve', 'charge', 'ship'])
    expect(drive.of('cancelStep')).toEqual([{ type: 'cancelStep', stepId: 'reserve', key: 'reserve' }])
    expect(drive.value).toBe('completed')
    expect(drive.context.steps.both).toMatchObject({ first: 1 })
  })
})
