import type { Command } from 'commander'
import { parseInput } from '../../errors.js'
import { EVENT_PRIORITIES } from '../../model/event.js'
import { EXECUTOR_TYPES, registerHandlerSchema, registerListenerSchema } from '../../model/handler.js'
import { withRuntime } from '../context.js'
import { intOption, jsonOption } from '../parse.js'

interface SubscriptionOptions {
  executor: string
  config?: string
  retry?: string
  conditions?: string
  priority?: string
  timeoutMs?: string
  name?: string
  disabled?: boolean
}

function subscriptionOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--executor <type>', `executor: ${EXECUTOR_TYPES.join(', ')}`)
    .option('--config <json>', 'executor configuration, a JSON object (such as {"command":"/usr/local/bin/backup.sh","args":["--full"]})')
    .option('--retry <json>', 'retry policy: {"strategy":"fixed|linear|exponential","max_attempts":3,"initial_delay_ms":1000,...}')
    .option('--conditions <json>', 'conditions, all must hold: [{"field":"data.amount","operator":"gt","value":100}]')
    .option('--priority <priority>', `run this handler's executions at: ${EVENT_PRIORITIES.join(', ')} (default: the event's)`)
    .option('--timeout-ms <ms>', 'time limit for one attempt')
    .option('--name <name>', 'a name for people')
    .option('--disabled', 'register it disabled')
}

function subscriptionFields(o: SubscriptionOptions) {
  return {
    name: o.name,
    executor_type: o.executor,
    configuration: jsonOption(o.config, '--config') ?? {},
    retry_policy: jsonOption(o.retry, '--retry'),
    conditions: jsonOption(o.conditions, '--conditions') ?? [],
    priority: o.priority,
    timeout_ms: intOption(o.timeoutMs, '--timeout-ms'),
    enabled: !o.disabled,
  }
}

const COLUMNS = ['id', 'name', 'executor_type', 'priority', 'timeout_ms', 'enabled', 'created_at']

export function registerHandlerCommands(program: Command): void {
  subscriptionOptions(
    program.command('handler:register').description('Register a handler: it runs for every event of exactly this type').requiredOption('--event-type <type>', 'the event type it handles, such as user.signup'),
  ).action(async (o: SubscriptionOptions & { eventType: string }, cmd: Command) => {
    const input = { event_type: o.eventType, ...subscriptionFields(o) }
    parseInput(registerHandlerSchema, input)
    await withRuntime(cmd, async (runtime, out) => {
      const handler = await runtime.events.registerHandler(input as Parameters<typeof runtime.events.registerHandler>[0])
      out.result(handler, () => out.line(`registered handler ${handler.id} for ${handler.event_type} (${handler.executor_type})`))
    })
  })

  subscriptionOptions(
    program
      .command('listener:register')
      .description('Register a listener: it runs for every event whose type matches a NATS-style pattern (* one token, > the rest)')
      .requiredOption('--pattern <pattern>', 'such as user.* or order.>'),
  ).action(async (o: SubscriptionOptions & { pattern: string }, cmd: Command) => {
    const { conditions, ...rest } = subscriptionFields(o)
    const input = { event_pattern: o.pattern, ...rest, filter_conditions: conditions }
    parseInput(registerListenerSchema, input)
    await withRuntime(cmd, async (runtime, out) => {
      const listener = await runtime.events.registerListener(input as Parameters<typeof runtime.events.registerListener>[0])
      out.result(listener, () => out.line(`registered listener ${listener.id} for ${listener.event_pattern} (${listener.executor_type})`))
    })
  })

  program
    .command('handler:list')
    .description('List handlers')
    .option('--event-type <type>', 'only handlers of this event type')
    .action(async (o: { eventType?: string }, cmd: Command) => {
      await withRuntime(cmd, async (runtime, out) => {
        const handlers = await runtime.events.listHandlers({ event_type: o.eventType })
        out.result(handlers, () => out.table(handlers as unknown as Record<string, unknown>[], ['id', 'event_type', ...COLUMNS.slice(1)]))
      })
    })

  program
    .command('listener:list')
    .description('List listeners')
    .action(async (_o, cmd: Command) => {
      await withRuntime(cmd, async (runtime, out) => {
        const listeners = await runtime.events.listListeners()
        out.result(listeners, () => out.table(listeners as unknown as Record<string, unknown>[], ['id', 'event_pattern', ...COLUMNS.slice(1)]))
      })
    })

  for (const kind of ['handler', 'listener'] as const) {
    for (const action of ['enable', 'disable', 'remove'] as const) {
      program
        .command(`${kind}:${action} <id>`)
        .description(`${action[0]!.toUpperCase()}${action.slice(1)} a ${kind}`)
        .action(async (id: string, _o, cmd: Command) => {
          await withRuntime(cmd, async (runtime, out) => {
            const e = runtime.events
            const run = {
              handler: { enable: e.enableHandler, disable: e.disableHandler, remove: e.removeHandler },
              listener: { enable: e.enableListener, disable: e.disableListener, remove: e.removeListener },
            }[kind][action]
            await run(id)
            out.result({ id, [kind === 'handler' ? 'handler_id' : 'listener_id']: id, action }, () => out.line(`${kind} ${id}: ${action}d`))
          })
        })
    }
  }
}
