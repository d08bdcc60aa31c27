import { describe, expect, it } from 'vitest'
import { parseWorkflowDefinition } from '../../src/workflow/validate.js'
import { Drive } from './support/drive.js'
import { orderProcessing } from './support/order-processing.js'

const functions = new Set(['order.validate', 'payment.process', 'order.notify_backorder'])

describe("the seed's order-processing workflow", () => {
  it('validates, with its functions registered', () => {
    expect(() => parseWorkflowDefinition(orderProcessing, { knownFunctions: (name) => functions.has(name) })).not.toThrow()
  })

  it('takes process-payment when the inventory covers the quantity', () => {
    const drive = new Drive(orderProcessing, { steps: { 'validate-order': { output: { quantity: 2 } } } })
    drive.start({ input: { inventory: { available: 5 } } })
    expect(drive.started).toEqual(['validate-order', 'process-payment'])
    expect(drive.value).toBe('completed')
    expect(drive.context.steps['check-inventory']).toEqual({ result: true })
  })

  it('takes notify-backorder when it does not', () => {
    const drive = new Drive(orderProcessing, { steps: { 'validate-order': { output: { quantity: 9 } } } })
    drive.start({ input: { inventory: { available: 5 } } })
    expect(drive.started).toEqual(['validate-order', 'notify-backorder'])
    expect(drive.value).toBe('completed')
  })

  it("hands process-payment's retry policy to the executor, and the runtime default to the others", () => {
    const drive = new Drive(orderProcessing, { steps: { 'validate-order': { output: { quantity: 1 } } } })
    drive.start({ input: { inventory: { available: 1 } } })
    const [validate, payment] = drive.of('startStep')
    expect(validate).toMatchObject({ executor: 'function', config: { name: 'order.validate' }, input: { inventory: { available: 1 } }, retryPolicy: null })
    expect(payment?.retryPolicy).toMatchObject({ strategy: 'exponential', max_attempts: 3 })
  })
})
