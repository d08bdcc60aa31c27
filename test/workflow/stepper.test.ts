import { describe, expect, it } from 'vitest'
import { effectsOf, persistSnapshot, restoreSnapshot, workflowStepper, type PersistedWorkflowSnapshot, type WorkflowSnapshot } from '../../machines/index.js'
import { Drive } from './support/drive.js'

/** Every kind of state, and a failure that compensates: the transitions the host takes most and least. */
const everything = {
  id: 'everything',
  name: 'Everything',
  version: 1,
  steps: [
    { id: 'begin', type: 'action', action: 'begin', compensate: 'begin.undo', next_steps: ['gate'] },
    { id: 'gate', type: 'condition', conditions: [{ field: 'go', operator: 'eq', value: true }], next_steps: ['fan', 'skip'] },
    { id: 'fan', type: 'parallel', branches: [['nap'], ['each']], next_steps: ['paid'] },
    { id: 'nap', type: 'wait', duration: '3s' },
    { id: 'each', type: 'loop', over: '{{inputs.items}}', steps: ['work'] },
    { id: 'work', type: 'action', action: 'work', inputs: { item: '{{loop.item}}' }, compensate: 'work.undo' },
    { id: 'paid', type: 'wait_for_event', event_type: 'order.paid', match: { 'data.id': '{{inputs.id}}' }, timeout: '1h', next_steps: ['last'] },
    { id: 'last', type: 'action', action: 'last' },
    { id: 'skip', type: 'action', action: 'skip' },
  ],
  error_handling: { on_step_failure: 'fail', on_workflow_failure: 'compensate' },
}
const start = { input: { go: true, id: 5, items: ['a', 'b'] }, event: { type: 'order.created', data: { id: 5 } } }

function drive(): Drive {
  const d = new Drive(everything, { steps: { last: { error: 'declined' } } })
  d.start(start)
  d.fireTimer('nap:wait')
  d.publish({ type: 'order.paid', data: { id: 5 } })
  return d
}

describe('the workflow stepper (one actor scope per machine)', () => {
  it("takes the same transitions as XState's initialTransition and transition, checkpoint for checkpoint and effect for effect", () => {
    const reference = drive()
    const stepper = workflowStepper(reference.machine)
    const checkpoint = (s: WorkflowSnapshot) => JSON.stringify(persistSnapshot(reference.machine, s))
    // Two executions interleaved on one stepper: nothing of one leaks into the other.
    let [a, actionsA] = stepper.start(start)
    let [b, actionsB] = stepper.start(start)
    expect(checkpoint(a)).toBe(reference.history[0]!.checkpoint)
    expect(effectsOf(reference.definition, actionsA)).toEqual(reference.history[0]!.effects)
    expect(effectsOf(reference.definition, actionsB)).toEqual(reference.history[0]!.effects)
    for (const step of reference.history.slice(1)) {
      ;[a, actionsA] = stepper.next(a, step.event!)
      // The other one goes through a JSON checkpoint, as after a restart.
      b = restoreSnapshot(reference.machine, JSON.parse(checkpoint(b)) as PersistedWorkflowSnapshot)
      ;[b, actionsB] = stepper.next(b, step.event!)
      expect(checkpoint(a)).toBe(step.checkpoint)
      expect(checkpoint(b)).toBe(step.checkpoint)
      expect(effectsOf(reference.definition, actionsA)).toEqual(step.effects)
      expect(effectsOf(reference.definition, actionsB)).toEqual(step.effects)
    }
    expect(a.value).toBe('compensated')
  })
})
