import { describe, expect, it } from 'vitest'
import { parseDuration } from '../../src/workflow/duration.js'
import { resolveWorkflowInput } from '../../src/workflow/inputs.js'
import { parseWorkflowDefinition } from '../../src/workflow/validate.js'

const definition = parseWorkflowDefinition({
  id: 'typed',
  name: 'Typed',
  version: 1,
  inputs: { order_id: { type: 'integer', required: true }, region: { type: 'string', default: 'eu' }, tags: { type: 'array' } },
  steps: [{ id: 'a', type: 'action', action: 'a' }],
})

describe('workflow inputs', () => {
  it('fill in defaults', () => {
    expect(resolveWorkflowInput(definition, { order_id: 7 })).toEqual({ order_id: 7, region: 'eu' })
  })

  it('refuse a missing, mistyped or unknown input, naming it', () => {
    expect(() => resolveWorkflowInput(definition, {})).toThrow('input.order_id: is required')
    expect(() => resolveWorkflowInput(definition, { order_id: 1.5 })).toThrow('input.order_id: must be an integer, not number')
    expect(() => resolveWorkflowInput(definition, { order_id: 1, regoin: 'us' })).toThrow('input.regoin: unknown input')
  })

  it('pass any object when none are declared', () => {
    const open = parseWorkflowDefinition({ id: 'open', name: 'Open', version: 1, steps: [{ id: 'a', type: 'action', action: 'a' }] })
    expect(resolveWorkflowInput(open, { anything: [1] })).toEqual({ anything: [1] })
    expect(() => resolveWorkflowInput(open, [1])).toThrow('input: must be a JSON object')
  })
})

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['3s', 3000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['2d', 172_800_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms))

  it.each(['', '3', 's', '3 s', '3sec', '-1s', '1m x'])('%j is not a duration', (text) => expect(parseDuration(text)).toBeNull())
})
