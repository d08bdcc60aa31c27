import { describe, expect, it } from 'vitest'
import { Drive } from './support/drive.js'

const definition = {
  id: 'parent',
  name: 'Parent',
  version: 1,
  steps: [
    { id: 'child', type: 'subflow', workflow_id: 'child-flow', version: 2, inputs: { order: '{{inputs.order}}' }, next_steps: ['announce'] },
    {
      id: 'announce',
      type: 'action',
      action: { executor: 'emit', config: { type: 'order.ready', data: { order: '{{inputs.order}}', total: '{{steps.child.total}}' } } },
      next_steps: ['after'],
    },
    { id: 'after', type: 'action', action: 'after', inputs: { sent: '{{steps.announce.type}}' } },
  ],
}

describe('subflow and emit steps', () => {
  const drive = new Drive(definition, { steps: { child: { output: { total: 99 } } } }).start({ input: { order: 'o-1' } })

  it('a subflow asks the host to start the other workflow and takes its output', () => {
    expect(drive.of('startSubflow')).toEqual([{ type: 'startSubflow', stepId: 'child', key: 'child', workflowId: 'child-flow', version: 2, input: { order: 'o-1' } }])
    expect(drive.context.steps.child).toEqual({ total: 99 })
  })

  it('an emit step publishes its rendered event and goes straight on', () => {
    expect(drive.of('emitEvent')).toEqual([{ type: 'emitEvent', stepId: 'announce', key: 'announce', event: { type: 'order.ready', data: { order: 'o-1', total: 99 } } }])
    expect(drive.of('startStep')).toMatchObject([{ stepId: 'after', input: { sent: 'order.ready' } }])
    expect(drive.value).toBe('completed')
  })
})
