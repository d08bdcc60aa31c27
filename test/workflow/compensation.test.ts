import { describe, expect, it } from 'vitest'
import { Drive } from './support/drive.js'

const step = (id: string, next?: string) => ({
  id,
  type: 'action',
  action: `${id}.do`,
  compensate: { executor: 'function', config: { name: `${id}.undo`, ref: `{{steps.${id}.ref}}` } },
  ...(next ? { next_steps: [next] } : {}),
})
const saga = {
  id: 'saga',
  name: 'Saga',
  version: 1,
  steps: [step('reserve', 'charge'), step('charge', 'ship'), step('ship')],
  error_handling: { on_step_failure: 'fail', on_workflow_failure: 'compensate' },
}
const outputs = { reserve: { output: { ref: 'r-1' } }, charge: { output: { ref: 'c-1' } } }

describe('compensation', () => {
  it('undoes the completed steps newest first when the third step fails', () => {
    const drive = new Drive(saga, { steps: { ...outputs, ship: { error: 'carrier down' } } }).start()
    expect(drive.value).toBe('compensated')
    expect(drive.of('startCompensation')).toEqual([{ type: 'startCompensation', reason: 'step "ship" failed: carrier down', stepIds: ['charge', 'reserve'] }])
    const undone = drive.of('runCompensation')
    expect(undone.map((e) => e.stepId)).toEqual(['charge', 'reserve'])
    expect(undone[0]).toMatchObject({ config: { name: 'charge.undo', ref: 'c-1' }, input: { input: {}, output: { ref: 'c-1' } } })
    expect(drive.context.failure).toEqual({ stepId: 'ship', error: 'carrier down' })
    expect(drive.context.compensation).toEqual([])
  })

  it('ends compensation_failed when an undo fails, keeping the rest of the stack', () => {
    const drive = new Drive(saga, { steps: { ...outputs, ship: { error: 'carrier down' } }, compensations: { charge: 'fail' } }).start()
    expect(drive.value).toBe('compensation_failed')
    expect(drive.context.compensationFailure).toEqual({ stepId: 'charge', error: 'cannot undo charge' })
    expect(drive.context.compensation.map((e) => e.stepId)).toEqual(['reserve', 'charge'])
  })

  it('runs the compensations of a cancelled execution when asked, and cancels the running step', () => {
    const drive = new Drive(saga, { steps: { ...outputs, ship: 'hold' } }).start()
    drive.send({ type: 'CANCEL', compensate: true, reason: 'customer asked' })
    expect(drive.of('cancelStep')).toEqual([{ type: 'cancelStep', stepId: 'ship', key: 'ship' }])
    expect(drive.of('runCompensation').map((e) => e.stepId)).toEqual(['charge', 'reserve'])
    expect(drive.value).toBe('cancelled')
    expect(drive.context.cancel).toEqual({ compensate: true, reason: 'customer asked' })
  })

  it('cancels without compensating unless asked', () => {
    const drive = new Drive(saga, { steps: { ...outputs, ship: 'hold' } }).start().send({ type: 'CANCEL' })
    expect(drive.value).toBe('cancelled')
    expect(drive.of('runCompensation')).toEqual([])
    expect(drive.of('finish')).toMatchObject([{ status: 'cancelled' }])
  })

  it('ignores a report for a step that is no longer running', () => {
    const drive = new Drive(saga, { steps: { ...outputs, ship: 'hold' } }).start().send({ type: 'CANCEL' })
    drive.send({ type: 'STEP.COMPLETED', stepId: 'ship', output: {} })
    expect(drive.value).toBe('cancelled')
  })
})
