import { createMachine } from 'xstate'
import { describe, expect, it } from 'vitest'
import type { StateJson } from '../../machines/index.js'
import { ValidationError } from '../../src/errors.js'
import { fromXStateJSON } from '../../src/workflow/import.js'
import { toMermaid, toXStateJSON } from '../../src/workflow/export.js'
import { parseWorkflowDefinition } from '../../src/workflow/validate.js'
import { orderProcessing } from './support/order-processing.js'

const nested = parseWorkflowDefinition({
  id: 'nested',
  name: 'Nested',
  version: 3,
  description: 'every container kind',
  outputs: { n: '{{steps.each.iterations}}' },
  steps: [
    { id: 'fan', type: 'parallel', join: 'any', branches: [['a', 'each'], ['b']], next_steps: ['paid'] },
    { id: 'a', type: 'action', action: 'a' },
    { id: 'each', type: 'loop', over: '{{inputs.items}}', steps: ['c'] },
    { id: 'c', type: 'action', action: { executor: 'command', config: { command: 'echo', args: ['{{loop.item}}'] } } },
    { id: 'b', type: 'wait', duration: '1m' },
    { id: 'paid', type: 'wait_for_event', event_type: 'order.paid', timeout: '1h', on_timeout: 'late', next_steps: ['done-ok'] },
    { id: 'late', type: 'action', action: 'late' },
    { id: 'done-ok', type: 'action', action: 'ok' },
  ],
})
const seed = parseWorkflowDefinition(orderProcessing)

function stepStates(state: StateJson, found: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [key, child] of Object.entries(state.states ?? {})) {
    if (child.meta?.step) found[key] = child.meta.step
    stepStates(child, found)
  }
  return found
}

describe('export to XState JSON', () => {
  it.each([
    ['the seed', seed],
    ['a nested workflow', nested],
  ])('%s loads with createMachine, with a state per step carrying its definition', (_name, definition) => {
    const json = toXStateJSON(definition)
    const machine = createMachine(JSON.parse(JSON.stringify(json)))
    expect(machine.id).toBe(definition.id)
    const steps = stepStates(machine.config as StateJson)
    expect(Object.keys(steps).sort()).toEqual(definition.steps.map((s) => s.id).sort())
    for (const step of definition.steps) expect(steps[step.id]).toEqual(step)
  })

  it('names every action and guard, with JSON params only', () => {
    const text = JSON.stringify(toXStateJSON(nested))
    expect(text).not.toMatch(/"(invoke|after)"/)
    expect(JSON.parse(text)).toEqual(toXStateJSON(nested))
  })
})

describe('import from XState JSON', () => {
  it.each([
    ['the seed', seed],
    ['a nested workflow', nested],
  ])('gives back an equivalent definition for %s', (_name, definition) => {
    expect(fromXStateJSON(toXStateJSON(definition))).toEqual(definition)
  })

  it('refuses a state without meta.step, naming it', () => {
    const json = toXStateJSON(seed)
    json.states!.running!.states!.extra = { on: {} }
    expect(() => fromXStateJSON(json)).toThrow(ValidationError)
    expect(() => fromXStateJSON(json)).toThrow('states.running.states.extra: state "extra" has no meta.step')
  })

  it('refuses a transition redrawn against its step', () => {
    const json = toXStateJSON(seed)
    const validate = json.states!.running!.states!['validate-order']!
    ;(validate.on!['STEP.COMPLETED'] as { target: string }).target = 'notify-backorder'
    expect(() => fromXStateJSON(json)).toThrow(/validate-order: its transitions go to "notify-backorder", but meta.step says "check-inventory"/)
  })

  it('takes the flow from the drawn transitions where meta.step leaves it out', () => {
    const design = {
      id: 'designed',
      initial: 'first',
      states: {
        first: { meta: { step: { id: 'first', type: 'action', action: 'one' } }, on: { 'STEP.COMPLETED': 'second' } },
        second: { meta: { step: { id: 'second', type: 'action', action: 'two' } }, on: { 'STEP.COMPLETED': 'done' } },
        done: { type: 'final' },
      },
    }
    const definition = fromXStateJSON(design)
    expect(definition).toMatchObject({ id: 'designed', name: 'designed', version: 1, steps: [{ id: 'first', next_steps: ['second'] }, { id: 'second' }] })
  })
})

describe('export to Mermaid', () => {
  it('draws a stateDiagram-v2 with every step', () => {
    const text = toMermaid(nested)
    expect(text.startsWith('stateDiagram-v2\n')).toBe(true)
    for (const step of nested.steps) expect(text).toContain(`state "${step.id}" as`)
    expect(text).toContain('fan{')
    expect(text).toMatch(/\n\s+--\n/)
  })

  it("draws the seed's condition branches", () => {
    const text = toMermaid(seed)
    expect(text).toContain('check_inventory --> process_payment : true')
    expect(text).toContain('check_inventory --> notify_backorder : false')
  })
})
