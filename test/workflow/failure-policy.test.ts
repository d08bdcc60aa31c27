import { describe, expect, it } from 'vitest'
import { Drive } from './support/drive.js'

const chain = (policy: 'fail' | 'continue' | 'retry') => ({
  id: 'chain',
  name: 'Chain',
  version: 1,
  steps: [
    { id: 'first', type: 'action', action: 'first', next_steps: ['flaky'] },
    { id: 'flaky', type: 'action', action: 'flaky', next_steps: ['last'] },
    { id: 'last', type: 'action', action: 'last', retry_policy: { strategy: 'fixed', max_attempts: 5, initial_delay_ms: 10 } },
  ],
  error_handling: { on_step_failure: policy, on_workflow_failure: 'fail' },
})

describe('on_step_failure', () => {
  it('continue: records the failure as the output and goes on', () => {
    const drive = new Drive(chain('continue'), { steps: { flaky: { error: 'boom' } } }).start()
    expect(drive.started).toEqual(['first', 'flaky', 'last'])
    expect(drive.context.steps.flaky).toEqual({ failed: true, error: 'boom' })
    expect(drive.value).toBe('completed')
  })

  it('fail: fails the workflow with the step and its error, and runs nothing after', () => {
    const drive = new Drive(chain('fail'), { steps: { flaky: { error: 'boom' } } }).start()
    expect(drive.started).toEqual(['first', 'flaky'])
    expect(drive.value).toBe('failed')
    expect(drive.of('finish')).toEqual([{ type: 'finish', status: 'failed', output: null, failure: { stepId: 'flaky', error: 'boom' }, compensationFailure: null }])
  })

  it('fail: a step without its own retry policy runs once; one with a policy keeps it', () => {
    const drive = new Drive(chain('fail')).start()
    expect(drive.of('startStep').map((e) => e.retryPolicy?.max_attempts)).toEqual([1, 1, 5])
  })

  it("retry: a step without its own policy gets the runtime's default (null)", () => {
    const drive = new Drive(chain('retry')).start()
    expect(drive.of('startStep').map((e) => e.retryPolicy?.max_attempts ?? null)).toEqual([null, null, 5])
  })
})
