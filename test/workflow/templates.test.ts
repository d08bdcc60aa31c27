import { describe, expect, it } from 'vitest'
import { Drive } from './support/drive.js'

const definition = {
  id: 'templated',
  name: 'Templated',
  version: 1,
  inputs: { flag: { type: 'boolean', required: true }, region: { type: 'string', default: 'eu' } },
  outputs: { total: '{{steps.price.amount}}', summary: 'order {{event.data.id}} costs {{steps.price.amount}}' },
  steps: [
    { id: 'price', type: 'action', action: 'order.price', next_steps: ['charge'] },
    {
      id: 'charge',
      type: 'action',
      action: { executor: 'webhook', config: { url: 'https://pay.example/{{inputs.region}}/charge', body: '{{steps.price}}' } },
      inputs: {
        amount: '{{steps.price.amount}}',
        lines: '{{steps.price.lines}}',
        flag: '{{inputs.flag}}',
        order: '{{event.data.id}}',
        label: 'amount={{steps.price.amount}}',
        missing: '{{steps.price.nothing}}',
      },
    },
  ],
}

describe('templates', () => {
  const drive = new Drive(definition, { steps: { price: { output: { amount: 12.5, lines: [{ sku: 'a' }] } } } }).start({
    input: { flag: true, region: 'us' },
    event: { type: 'order.created', data: { id: 7 } },
  })
  const charge = drive.of('startStep')[1]!

  it('keep the JSON type of a whole-value template', () => {
    expect(charge.input).toEqual({ amount: 12.5, lines: [{ sku: 'a' }], flag: true, order: 7, label: 'amount=12.5', missing: undefined })
  })

  it('render inside executor configs too', () => {
    expect(charge.executor).toBe('webhook')
    expect(charge.config).toEqual({ url: 'https://pay.example/us/charge', body: { amount: 12.5, lines: [{ sku: 'a' }] } })
  })

  it('render the outputs when the workflow completes', () => {
    expect(drive.value).toBe('completed')
    expect(drive.of('finish')[0]?.output).toEqual({ total: 12.5, summary: 'order 7 costs 12.5' })
  })

  it('give a step without inputs the workflow input', () => {
    expect(drive.of('startStep')[0]?.input).toEqual({ flag: true, region: 'us' })
  })
})
