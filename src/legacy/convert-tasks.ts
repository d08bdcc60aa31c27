import type { RegisterHandlerInput } from '../model/handler.js'
import type { ScheduleEventInput } from '../runtime/schedules-api.js'
import { shellArgv, splitCommandLine } from './command-line.js'
import { fail, jsonColumn, taskEventType, type Conversion, type Operation } from './plan.js'
import type { LegacyTask } from './read-legacy.js'

export interface TaskOptions {
  /** Import a command line that needs a shell as `/bin/sh -c <line>` instead of refusing it. */
  allowShell: boolean
  now: Date
}

type Timing = Pick<ScheduleEventInput, 'schedule_type' | 'cron_expression' | 'interval_ms' | 'run_at'>

/** The schedule text by the task's type; a string is the reason it cannot be read. */
function timingOf(task: LegacyTask, now: Date): Timing | null | { skip: string } | string {
  const text = task.schedule?.trim() ?? ''
  switch (task.type) {
    case 'manual':
      return null
    case 'cron':
      return text ? { schedule_type: 'cron', cron_expression: text } : 'a cron task without a schedule'
    case 'interval':
      // `5m`, `30s`, or milliseconds; the schedule API reads both and names what it refuses.
      return text ? { schedule_type: 'interval', interval_ms: /^\d+$/.test(text) ? Number(text) : text } : 'an interval task without a schedule'
    case 'once': {
      const at = Date.parse(text)
      if (!text || Number.isNaN(at)) return `schedule ${JSON.stringify(text)} is not an ISO-8601 time for a once task`
      if (at <= now.getTime()) return { skip: `a once task whose time (${new Date(at).toISOString()}) has passed: nothing left to run` }
      return { schedule_type: 'once', run_at: new Date(at).toISOString() }
    }
    default:
      return `unknown task type ${JSON.stringify(task.type)}: expected cron, interval, once or manual`
  }
}

/**
 * A task becomes a `command` handler on `legacy.task.<id>` and, unless it is manual, a schedule
 * firing that event type with the task's data. A manual task becomes the handler alone: fire it
 * with `sp event:create -t legacy.task.<id>`. Paused, disabled or failed tasks get a paused schedule.
 */
export function convertTask(task: LegacyTask, options: TaskOptions): Conversion {
  const id = String(task.id)
  if (task.status === 'completed' || task.status === 'cancelled') return { kind: 'task', id, outcome: 'skip', reason: `the task is ${task.status}: nothing left to run` }
  const timing = timingOf(task, options.now)
  if (typeof timing === 'string') return fail('task', id, timing)
  if (timing && 'skip' in timing) return { kind: 'task', id, outcome: 'skip', reason: timing.skip }

  const line = task.command?.trim() ?? ''
  const split = splitCommandLine(line)
  let argv: string[]
  if (split.kind === 'invalid') return fail('task', id, `command: ${split.reason}`)
  if (split.kind === 'shell') {
    if (!options.allowShell) {
      return fail('task', id, `needs attention: the command uses the shell (${split.features.join(', ')}); rewrite it as one program with arguments, or run again with --allow-shell to import it as /bin/sh -c`)
    }
    argv = shellArgv(line)
  } else argv = split.argv

  let data: unknown
  try {
    data = jsonColumn<unknown>(task.data, 'data', {})
  } catch (err) {
    return fail('task', id, (err as Error).message)
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return fail('task', id, 'data is not a JSON object')

  const eventType = taskEventType(id)
  const retries = task.retries ?? 3
  const handler: RegisterHandlerInput = {
    name: task.name ?? id,
    event_type: eventType,
    executor_type: 'command',
    configuration: { command: argv[0]!, args: argv.slice(1) },
    retry_policy: { strategy: 'fixed', max_attempts: Math.max(0, retries) + 1, initial_delay_ms: task.retry_delay ?? 5000 },
    ...(task.timeout ? { timeout_ms: task.timeout } : {}),
  }
  const operations: Operation[] = [{ op: 'handler', input: handler }]
  const paused = task.status === 'paused' || task.status === 'failed' || task.enabled === 0
  if (timing) {
    operations.push({ op: 'schedule', paused, input: { name: task.name ?? id, event_type: eventType, event_data: data as Record<string, unknown>, ...timing } })
  }
  const when = timing ? `${timing.schedule_type} ${task.schedule?.trim()}${paused ? ' (paused)' : ''}` : 'manual (no schedule)'
  return { kind: 'task', id, outcome: 'convert', summary: `${eventType}: ${when} runs ${JSON.stringify(argv)}`, operations }
}
