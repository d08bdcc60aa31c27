import { describe, expect, it } from 'vitest'
import { executionStatus } from '../../machines/index.js'
import { Drive } from './support/drive.js'

const waiting = (wait: Record<string, unknown>) => ({
  id: 'pause',
  name: 'Pause',
  version: 1,
  steps: [
    { id: 'before', type: 'action', action: 'before', next_steps: ['nap'] },
    { id: 'nap', type: 'wait', ...wait, next_steps: ['after'] },
    { id: 'after', type: 'action', action: 'after' },
  ],
})

describe('wait steps', () => {
  it('ask the host for a durable timer, and go on when it fires', () => {
    const drive = new Drive(waiting({ duration: '3s' })).start()
    expect(drive.of('setTimer')).toEqual([{ type: 'setTimer', timerId: 'nap:wait', stepId: 'nap', delayMs: 3000 }])
    expect(executionStatus(drive.snapshot)).toBe('waiting')
    expect(drive.context.timers).toEqual({ 'nap:wait': { stepId: 'nap', delayMs: 3000 } })
    expect(drive.started).toEqual(['before'])
    drive.fireTimer('nap:wait')
    expect(drive.started).toEqual(['before', 'after'])
    expect(drive.value).toBe('completed')
    expect(drive.of('cancelTimer')).toEqual([])
    expect(drive.context.timers).toEqual({})
  })

  it('ignore a timer that is not theirs', () => {
    const drive = new Drive(waiting({ duration: '3s' })).start().send({ type: 'TIMER.FIRED', timerId: 'other:wait' })
    expect(drive.value).toEqual({ running: 'nap' })
  })

  it('wait until a rendered time', () => {
    const drive = new Drive(waiting({ until: '{{inputs.at}}' })).start({ input: { at: '2030-05-01T10:00:00+02:00' } })
    expect(drive.of('setTimer')).toEqual([{ type: 'setTimer', timerId: 'nap:wait', stepId: 'nap', at: '2030-05-01T08:00:00.000Z' }])
  })

  it('fail the step when until does not render to a time', () => {
    const drive = new Drive(waiting({ until: '{{inputs.at}}' })).start({ input: { at: 'soon' } })
    expect(drive.value).toBe('failed')
    expect(drive.context.failure).toEqual({ stepId: 'nap', error: 'until rendered to "soon", not an ISO-8601 time' })
    expect(drive.of('setTimer')).toEqual([])
  })

  it('cancel their timer when the execution is cancelled', () => {
    const drive = new Drive(waiting({ duration: '10m' })).start().send({ type: 'CANCEL' })
    expect(drive.of('cancelTimer')).toEqual([{ type: 'cancelTimer', timerId: 'nap:wait', stepId: 'nap' }])
  })
})
