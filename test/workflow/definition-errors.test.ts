import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { parseWorkflowDefinition, type ValidateOptions } from '../../src/workflow/validate.js'

const action = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'action', action: 'work.do', ...extra })
const workflow = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ id: 'wf', name: 'Workflow', version: 1, steps, ...extra })

function refusal(definition: unknown, options?: ValidateOptions): ValidationError {
  try {
    parseWorkflowDefinition(definition, options)
  } catch (err) {
    if (err instanceof ValidationError) return err
    throw err
  }
  throw new Error('the definition was accepted')
}

describe('a definition error is refused with the step and field named', () => {
  it.each([
    ['an unknown next step', [action('a', { next_steps: ['foo'] })], 'steps[0].next_steps[0]', 'unknown step "foo"'],
    ['a duplicate id', [action('a', { next_steps: ['a2'] }), action('a2'), action('a')], 'steps[2].id', 'duplicate step id "a" (also steps[0])'],
    ['a cycle', [action('a', { next_steps: ['b'] }), action('b', { next_steps: ['a'] })], 'steps[1].next_steps[0]', 'cycle a → b → a'],
    ['a step following itself', [action('a', { next_steps: ['a'] })], 'steps[0].next_steps[0]', 'cannot follow itself'],
    ['a malformed template', [action('a', { inputs: { x: '{{steps.a' } })], 'steps[0].inputs.x', 'malformed template'],
    ['a template naming an unknown step', [action('a', { inputs: { x: 'id {{steps.nope.x}}' } })], 'steps[0].inputs.x', 'unknown step "nope"'],
    ['a template with an unknown root', [action('a', { inputs: { x: '{{input.x}}' } })], 'steps[0].inputs.x', 'unknown root "input"'],
    ['loop.* outside a loop', [action('a', { inputs: { x: '{{loop.item}}' } })], 'steps[0].inputs.x', 'inside a loop body'],
    ['an unknown on_timeout target', [{ id: 'w', type: 'wait_for_event', event_type: 'order.paid', timeout: '10m', on_timeout: 'late' }], 'steps[0].on_timeout', 'unknown step "late"'],
    ['an unknown step in a branch', [{ id: 'p', type: 'parallel', branches: [['x']] }], 'steps[0].branches[0][0]', 'unknown step "x"'],
    [
      'a step in two lists',
      [{ id: 'p', type: 'parallel', branches: [['x'], ['x']] }, action('x')],
      'steps[0].branches[1][0]',
      'already listed in steps[0].branches[0]',
    ],
    ['a step never reached', [action('a'), action('orphan')], 'steps[1]', 'never reached'],
    [
      'a jump out of a parallel branch',
      [{ id: 'p', type: 'parallel', branches: [['x']], next_steps: ['y'] }, action('x', { next_steps: ['y'] }), action('y')],
      'steps[1].next_steps[0]',
      'continues only within its own list',
    ],
    ['a condition on an unknown step', [{ id: 'c', type: 'condition', conditions: [{ field: 'steps.ghost.ok', operator: 'eq', value: true }] }], 'steps[0].conditions[0].field', 'unknown step "ghost"'],
    ['an unparseable duration', [{ id: 'w', type: 'wait', duration: '3 parsecs' }], 'steps[0].duration', 'is not a duration'],
    ['a wait with both duration and until', [{ id: 'w', type: 'wait', duration: '3s', until: '2030-01-01T00:00:00Z' }], 'steps[0].duration', 'exactly one'],
    ['a reserved id', [action('done')], 'steps[0].id', 'reserved'],
    ['an unknown key', [action('a', { retries: 3 })], 'steps[0].retries', 'unknown key'],
    ['three next steps on a condition', [{ id: 'c', type: 'condition', conditions: [{ field: 'x', operator: 'exists' }], next_steps: ['a', 'b', 'c'] }], 'steps[0].next_steps', 'at most two'],
  ])('%s', (_what, steps, field, message) => {
    const error = refusal(workflow(steps))
    expect(error.issues.map((i) => i.field)).toContain(field)
    expect(error.issues.find((i) => i.field === field)?.message).toContain(message)
  })

  it('names an unknown function when the registry is given, and not otherwise', () => {
    const definition = workflow([action('a', { compensate: 'work.undo' })])
    const error = refusal(definition, { knownFunctions: (name) => name === 'work.do' })
    expect(error.message).toBe('steps[0].compensate: unknown function "work.undo": register it with runtime.functions.register("work.undo", fn) first')
    expect(() => parseWorkflowDefinition(definition)).not.toThrow()
  })

  it('names an input that the definition does not declare', () => {
    const error = refusal(workflow([action('a', { inputs: { id: '{{inputs.ordr_id}}' } })], { inputs: { order_id: { type: 'string' } } }))
    expect(error.field).toBe('steps[0].inputs.id')
    expect(error.message).toContain('unknown input "ordr_id"')
  })

  it('reports every problem at once', () => {
    const error = refusal(workflow([action('a', { next_steps: ['nope'], inputs: { x: '{{steps.ghost}}' } }), action('a')]))
    expect(error.issues.map((i) => i.field).sort()).toEqual(['steps[0].inputs.x', 'steps[0].next_steps[0]', 'steps[1].id'])
    expect(error.code).toBe('invalid_input')
  })
})
