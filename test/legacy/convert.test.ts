import { describe, expect, it } from 'vitest'
import { translateExpression } from '../../src/legacy/condition-expression.js'
import { convertTask } from '../../src/legacy/convert-tasks.js'
import { convertTriggers, convertWorkflowSchedule } from '../../src/legacy/convert-triggers.js'
import { convertWorkflow, semverToVersion, toDefinition } from '../../src/legacy/convert-workflows.js'
import type { Conversion } from '../../src/legacy/plan.js'
import type { LegacyTask, LegacyWorkflow } from '../../src/legacy/read-legacy.js'
import { parseWorkflowDefinition } from '../../src/workflow/validate.js'

const now = new Date('2025-01-01T00:00:00Z')
const task = (t: Partial<LegacyTask>): LegacyTask => ({
  id: 't1', name: 'T', description: null, type: 'cron', schedule: '0 * * * *', command: 'echo hi', data: null, status: 'active', enabled: 1, retries: 3, retry_delay: 5000, timeout: null, ...t,
})
const workflow = (w: Partial<LegacyWorkflow> & { stepList?: unknown[] }): LegacyWorkflow => ({
  id: 'wf', name: 'WF', description: null, version: '1.0.0', status: 'active', triggers: '[]', inputs: null, outputs: null, steps: JSON.stringify(w.stepList ?? [{ id: 'a', type: 'action', action: 'x.a' }]), error_handler: null, ...w,
})
const ops = (c: Conversion) => (c.outcome === 'convert' ? c.operations : [])

describe('scheduled tasks convert to command handlers and schedules', () => {
  it('a cron task: a command handler with the retry policy and timeout, and a cron schedule with its data', () => {
    const c = convertTask(task({ command: "echo 'a b' c", retries: 2, retry_delay: 750, timeout: 9000, data: '{"k":1}' }), { allowShell: false, now })
    expect(ops(c)).toEqual([
      {
        op: 'handler',
        input: {
          name: 'T', event_type: 'legacy.task.t1', executor_type: 'command', configuration: { command: 'echo', args: ['a b', 'c'] },
          retry_policy: { strategy: 'fixed', max_attempts: 3, initial_delay_ms: 750 }, timeout_ms: 9000,
        },
      },
      { op: 'schedule', paused: false, input: { name: 'T', event_type: 'legacy.task.t1', event_data: { k: 1 }, schedule_type: 'cron', cron_expression: '0 * * * *' } },
    ])
  })

  it.each([
    [{ type: 'cron', schedule: '@daily' }, { schedule_type: 'cron', cron_expression: '@daily' }],
    [{ type: 'interval', schedule: '5m' }, { schedule_type: 'interval', interval_ms: '5m' }],
    [{ type: 'interval', schedule: '30000' }, { schedule_type: 'interval', interval_ms: 30000 }],
    [{ type: 'once', schedule: '2099-06-01T09:00:00Z' }, { schedule_type: 'once', run_at: '2099-06-01T09:00:00.000Z' }],
  ])('reads the schedule of %j', (fields, timing) => {
    expect(ops(convertTask(task(fields), { allowShell: false, now }))[1]).toMatchObject({ op: 'schedule', input: timing })
  })

  it('a manual task becomes its handler alone; paused and disabled tasks get paused schedules', () => {
    expect(ops(convertTask(task({ type: 'manual', schedule: null }), { allowShell: false, now })).map((o) => o.op)).toEqual(['handler'])
    expect(ops(convertTask(task({ status: 'paused' }), { allowShell: false, now }))[1]).toMatchObject({ paused: true })
    expect(ops(convertTask(task({ enabled: 0 }), { allowShell: false, now }))[1]).toMatchObject({ paused: true })
  })

  it('a shell pipeline needs attention, or becomes /bin/sh -c with allowShell', () => {
    const line = 'grep error app.log | tail -n 5 > out.txt'
    expect(convertTask(task({ command: line }), { allowShell: false, now })).toMatchObject({ outcome: 'fail', reason: expect.stringContaining('--allow-shell') })
    expect(ops(convertTask(task({ command: line }), { allowShell: true, now }))[0]).toMatchObject({ input: { configuration: { command: '/bin/sh', args: ['-c', line] } } })
  })

  it('a finished or past once task is skipped with its reason; an unknown type fails', () => {
    expect(convertTask(task({ type: 'once', schedule: '2020-01-01T00:00:00Z' }), { allowShell: false, now })).toMatchObject({ outcome: 'skip' })
    expect(convertTask(task({ status: 'completed' }), { allowShell: false, now })).toMatchObject({ outcome: 'skip' })
    expect(convertTask(task({ type: 'hourly' }), { allowShell: false, now })).toMatchObject({ outcome: 'fail', reason: expect.stringContaining('unknown task type') })
  })
})

describe('workflows convert to definitions', () => {
  it('maps a semantic version to major*10000 + minor*100 + patch', () => {
    expect(semverToVersion('1.2.0')).toBe(10200)
    expect(semverToVersion('2.0.1')).toBe(20001)
    expect(semverToVersion(null)).toBe(1)
    expect(semverToVersion('1.100.0')).toMatch(/below 100/)
    expect(semverToVersion('1.0.0-beta')).toMatch(/not a semantic version/)
  })

  it('orders steps by depends_on and chains them with next_steps', () => {
    const d = toDefinition(workflow({ stepList: [
      { id: 'c', type: 'action', action: 'x.c', depends_on: ['b'] },
      { id: 'a', type: 'action', action: 'x.a' },
      { id: 'b', type: 'action', action: 'x.b', depends_on: ['a'], on_error: 'retry', retry: { attempts: 4, delay: '2s', backoff: 'linear' }, timeout: '30s' },
    ] }))
    expect(d.steps.map((s) => [s.id, s.next_steps])).toEqual([['a', ['b']], ['b', ['c']], ['c', []]])
    expect(d.steps[1]).toMatchObject({ retry_policy: { strategy: 'linear', max_attempts: 4, initial_delay_ms: 2000 }, timeout_ms: 30000 })
    parseWorkflowDefinition(d)
  })

  it('a nested condition becomes a condition step whose branches rejoin the next step', () => {
    const d = toDefinition(workflow({ stepList: [
      { id: 'gate', type: 'condition', condition: { expression: "inputs.amount >= 100 && inputs.currency == 'EUR'", then_steps: [{ id: 'big', type: 'action', action: 'x.big' }], else_steps: [{ id: 'small', type: 'action', action: 'x.small' }] } },
      { id: 'after', type: 'action', action: 'x.after', depends_on: ['gate'] },
    ] }))
    expect(d.steps[0]).toEqual({
      id: 'gate', type: 'condition', on_true: 'big', on_false: 'small',
      conditions: [{ field: 'inputs.amount', operator: 'gte', value: 100 }, { field: 'inputs.currency', operator: 'eq', value: 'EUR' }],
    })
    expect(d.steps.filter((s) => s.id !== 'gate').map((s) => [s.id, s.next_steps])).toEqual([['big', ['after']], ['small', ['after']], ['after', []]])
    parseWorkflowDefinition(d)
  })

  it('parallel (wait_all false → join any), loop (as → loop.item) and subflow convert', () => {
    const d = toDefinition(workflow({ stepList: [
      { id: 'fan', type: 'parallel', parallel: { branches: [[{ id: 'p1', type: 'action', action: 'x.p1' }, { id: 'p2', type: 'action', action: 'x.p2' }], [{ id: 'q', type: 'action', action: 'x.q' }]], wait_all: false } },
      { id: 'each', type: 'loop', depends_on: ['fan'], loop: { over: 'input.items', as: 'it', steps: [{ id: 'one', type: 'action', action: 'x.one', inputs: { sku: '{{it.sku}}', all: '{{input.items}}' } }], max_iterations: 5 } },
      { id: 'sub', type: 'subflow', subflow: 'child', depends_on: ['each'] },
    ] }))
    expect(d.steps[0]).toMatchObject({ id: 'fan', type: 'parallel', branches: [['p1', 'p2'], ['q']], join: 'any', next_steps: ['each'] })
    expect(d.steps.find((s) => s.id === 'each')).toMatchObject({ type: 'loop', over: '{{inputs.items}}', steps: ['one'], max_iterations: 5, next_steps: ['sub'] })
    expect(d.steps.find((s) => s.id === 'one')).toMatchObject({ inputs: { sku: '{{loop.item.sku}}', all: '{{inputs.items}}' }, next_steps: [] })
    expect(d.steps.find((s) => s.id === 'sub')).toMatchObject({ type: 'subflow', workflow_id: 'child' })
    parseWorkflowDefinition(d)
  })

  it('reports what it cannot convert: a missing dependency, an untranslatable expression, on_error goto', () => {
    expect(convertWorkflow(workflow({ stepList: [{ id: 'a', type: 'action', action: 'x.a', depends_on: ['ghost'] }] }))).toMatchObject({ outcome: 'fail', reason: expect.stringContaining('"ghost"') })
    expect(convertWorkflow(workflow({ stepList: [{ id: 'g', type: 'condition', condition: { expression: 'a > 1 || b', then_steps: [] } }] }))).toMatchObject({ reason: expect.stringContaining('cannot be translated') })
    expect(convertWorkflow(workflow({ stepList: [{ id: 'a', type: 'action', action: 'x.a', on_error: 'goto' }] }))).toMatchObject({ reason: expect.stringContaining('goto') })
    expect(translateExpression('100 < inputs.amount')).toEqual([{ field: 'inputs.amount', operator: 'gt', value: 100 }])
  })
})

describe('triggers and workflow schedules convert to handlers and schedules', () => {
  const wf = workflow({ triggers: JSON.stringify([{ type: 'event', config: { event: 'order.created' } }, { type: 'scheduled', config: { cron: '0 2 * * *' } }, { type: 'manual' }, { type: 'webhook', config: { path: '/x' } }]) })

  it('event → workflow handler; scheduled → start handler and a schedule on its start event; manual skipped; webhook needs attention', () => {
    const [event, scheduled, manual, webhook] = convertTriggers(wf, true)
    expect(ops(event!)).toEqual([{ op: 'handler', input: expect.objectContaining({ event_type: 'order.created', executor_type: 'workflow', configuration: { workflow_id: 'wf' }, enabled: true }) }])
    expect(ops(scheduled!)).toMatchObject([
      { op: 'start-handler', workflowId: 'wf', input: { event_type: 'legacy.workflow.wf.start', executor_type: 'workflow' } },
      { op: 'schedule', paused: false, input: { event_type: 'legacy.workflow.wf.start', schedule_type: 'cron', cron_expression: '0 2 * * *' } },
    ])
    expect(manual).toMatchObject({ id: 'wf#2', outcome: 'skip' })
    expect(webhook).toMatchObject({ id: 'wf#3', outcome: 'fail', reason: expect.stringContaining('needs attention') })
    expect(convertTriggers(wf, false)[0]).toMatchObject({ outcome: 'fail', reason: expect.stringContaining('was not imported') })
  })

  it('a workflow_schedules row: recurring → cron, once → run_at, inactive → paused, with its inputs as event data', () => {
    const row = { id: 's1', workflow_id: 'wf', schedule_type: 'recurring', cron_expression: '0 * * * *', next_run_at: null, inputs: '{"a":1}', active: 0 }
    expect(ops(convertWorkflowSchedule(row, wf, true, now))[1]).toMatchObject({ paused: true, input: { event_data: { a: 1 }, cron_expression: '0 * * * *' } })
    const once = { ...row, schedule_type: 'once', next_run_at: '2099-01-01T00:00:00Z', active: 1 }
    expect(ops(convertWorkflowSchedule(once, wf, true, now))[1]).toMatchObject({ paused: false, input: { schedule_type: 'once', run_at: '2099-01-01T00:00:00.000Z' } })
    expect(convertWorkflowSchedule(row, undefined, false, now)).toMatchObject({ outcome: 'fail', reason: expect.stringContaining('not in the old database') })
  })
})
