import type { RegisterHandlerInput } from '../model/handler.js'
import { fail, jsonColumn, workflowStartEventType, type Conversion, type Operation } from './plan.js'
import type { LegacyWorkflow, LegacyWorkflowSchedule } from './read-legacy.js'

const TRIGGER_KEYS = { event: ['event'], scheduled: ['cron', 'timezone', 'inputs'] } as const

/** The `workflow` handler on `legacy.workflow.<id>.start`: what every schedule of the workflow fires. */
function startHandler(workflowId: string): Operation {
  const input: RegisterHandlerInput = {
    name: `start workflow ${workflowId}`,
    event_type: workflowStartEventType(workflowId),
    executor_type: 'workflow',
    configuration: { workflow_id: workflowId },
  }
  return { op: 'start-handler', workflowId, input }
}

function scheduleOps(workflowId: string, timing: { cron_expression: string; timezone?: string } | { run_at: string }, inputs: unknown, paused: boolean): Operation[] {
  const data = inputs ?? {}
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error('inputs is not a JSON object')
  const type = 'run_at' in timing ? 'once' : 'cron'
  return [
    startHandler(workflowId),
    { op: 'schedule', paused, input: { name: `workflow ${workflowId}`, event_type: workflowStartEventType(workflowId), event_data: data as Record<string, unknown>, schedule_type: type, ...timing } },
  ]
}

/**
 * A workflow's triggers, one row each (id `<workflow>#<index>`): an event trigger becomes a
 * `workflow` handler on that event type; a scheduled one a cron schedule firing the workflow's
 * start event. A manual trigger needs nothing; a webhook one needs an operator.
 */
export function convertTriggers(row: LegacyWorkflow, imported: boolean): Conversion[] {
  const workflowId = String(row.id)
  let triggers: unknown
  try {
    triggers = jsonColumn<unknown>(row.triggers, 'triggers', [])
    if (!Array.isArray(triggers)) throw new Error('triggers is not a JSON list')
  } catch (err) {
    return [fail('trigger', `${workflowId}#*`, (err as Error).message)]
  }
  const active = (row.status ?? 'active') === 'active'
  return (triggers as Record<string, unknown>[]).map((trigger, index): Conversion => {
    const id = `${workflowId}#${index}`
    if (!imported) return fail('trigger', id, `its workflow "${workflowId}" was not imported`)
    const config = (trigger?.config ?? {}) as Record<string, unknown>
    const type = String(trigger?.type)
    if (type === 'manual') return { kind: 'trigger', id, outcome: 'skip', reason: `a manual trigger needs nothing: start it with sp workflow:execute ${workflowId}` }
    if (type === 'webhook') {
      return fail('trigger', id, `needs attention: a webhook trigger; add a source under events.http.webhooks in config/modules.json and register a workflow handler for ${workflowId} on its event type`)
    }
    if (type !== 'event' && type !== 'scheduled') return fail('trigger', id, `unknown trigger type ${JSON.stringify(type)}`)
    const extra = Object.keys(config).filter((k) => !(TRIGGER_KEYS[type] as readonly string[]).includes(k))
    if (extra.length > 0) return fail('trigger', id, `needs attention: config ${extra.join(', ')} of a ${type} trigger has no equivalent`)
    if (type === 'event') {
      if (typeof config.event !== 'string') return fail('trigger', id, 'an event trigger without config.event')
      const input: RegisterHandlerInput = { name: `workflow ${workflowId} on ${config.event}`, event_type: config.event, executor_type: 'workflow', configuration: { workflow_id: workflowId }, enabled: active }
      return { kind: 'trigger', id, outcome: 'convert', summary: `${config.event} starts workflow ${workflowId}${active ? '' : ' (disabled)'}`, operations: [{ op: 'handler', input }] }
    }
    if (typeof config.cron !== 'string') return fail('trigger', id, 'a scheduled trigger without config.cron')
    try {
      const timing = { cron_expression: config.cron, ...(typeof config.timezone === 'string' ? { timezone: config.timezone } : {}) }
      return { kind: 'trigger', id, outcome: 'convert', summary: `cron ${config.cron} starts workflow ${workflowId}${active ? '' : ' (paused)'}`, operations: scheduleOps(workflowId, timing, config.inputs, !active) }
    } catch (err) {
      return fail('trigger', id, (err as Error).message)
    }
  })
}

/** A `workflow_schedules` row: a cron (recurring) or one-time schedule firing the workflow's start event. */
export function convertWorkflowSchedule(row: LegacyWorkflowSchedule, workflow: LegacyWorkflow | undefined, imported: boolean, now: Date): Conversion {
  const id = String(row.id)
  const workflowId = String(row.workflow_id)
  if (!workflow) return fail('workflow_schedule', id, `workflow "${workflowId}" is not in the old database`)
  if (!imported) return fail('workflow_schedule', id, `its workflow "${workflowId}" was not imported`)
  const paused = row.active === 0 || (workflow.status ?? 'active') !== 'active'
  try {
    const inputs = jsonColumn<unknown>(row.inputs, 'inputs', {})
    if (row.schedule_type === 'recurring') {
      if (!row.cron_expression) return fail('workflow_schedule', id, 'a recurring schedule without cron_expression')
      return { kind: 'workflow_schedule', id, outcome: 'convert', summary: `cron ${row.cron_expression} starts workflow ${workflowId}${paused ? ' (paused)' : ''}`, operations: scheduleOps(workflowId, { cron_expression: row.cron_expression }, inputs, paused) }
    }
    if (row.schedule_type === 'once') {
      const at = Date.parse(row.next_run_at ?? '')
      if (Number.isNaN(at)) return fail('workflow_schedule', id, `next_run_at ${JSON.stringify(row.next_run_at)} is not an ISO-8601 time`)
      if (at <= now.getTime()) return { kind: 'workflow_schedule', id, outcome: 'skip', reason: `a once schedule whose time (${new Date(at).toISOString()}) has passed` }
      const runAt = new Date(at).toISOString()
      return { kind: 'workflow_schedule', id, outcome: 'convert', summary: `once at ${runAt} starts workflow ${workflowId}${paused ? ' (paused)' : ''}`, operations: scheduleOps(workflowId, { run_at: runAt }, inputs, paused) }
    }
    return fail('workflow_schedule', id, `unknown schedule_type ${JSON.stringify(row.schedule_type)}: expected once or recurring`)
  } catch (err) {
    return fail('workflow_schedule', id, (err as Error).message)
  }
}
