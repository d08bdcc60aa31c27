import type { Command } from 'commander'
import { parseInput } from '../../errors.js'
import { createEventSchema, EVENT_PRIORITIES, EVENT_STATUSES, listEventsSchema, TRIGGER_TYPES } from '../../model/event.js'
import { withRuntime } from '../context.js'
import { printRecord } from '../output.js'
import { intOption, jsonOption } from '../parse.js'

const EVENT_COLUMNS = ['id', 'type', 'name', 'priority', 'status', 'trigger_type', 'created_at']

export function registerEventCommands(program: Command): void {
  program
    .command('event:create')
    .description('Create an event: stored at once, then routed to its handlers by a running runtime')
    .requiredOption('-t, --type <type>', 'event type in dot notation, such as user.signup (the NATS subject is sp.events.<type>)')
    .option('-n, --name <name>', 'event name (default: the type)')
    .option('-p, --priority <priority>', `one of ${EVENT_PRIORITIES.join(', ')}`, 'normal')
    .option('-d, --data <json>', 'event data, a JSON object')
    .option('-m, --metadata <json>', 'event metadata, a JSON object')
    .option('--trigger-type <type>', `one of ${TRIGGER_TYPES.join(', ')}`, 'manual')
    .option('--trigger-id <id>', 'what triggered it (free text)')
    .option('--schedule-at <iso>', 'hold the event until this ISO-8601 time')
    .option('--id <id>', 'the event id (idempotent: an existing id returns that event)')
    .action(async (o, cmd: Command) => {
      const input = {
        id: o.id,
        type: o.type,
        name: o.name,
        priority: o.priority,
        data: jsonOption(o.data, '--data') ?? {},
        metadata: jsonOption(o.metadata, '--metadata') ?? {},
        trigger_type: o.triggerType,
        trigger_id: o.triggerId,
        scheduled_at: o.scheduleAt,
      }
      const parsed = parseInput(createEventSchema, input) // refuse bad input before touching the database
      await withRuntime(cmd, async (runtime, out) => {
        const event = await runtime.events.createEvent(parsed)
        out.result(event, () => out.line(`created event ${event.id} (${event.type}, ${event.status})`))
      })
    })

  program
    .command('event:list')
    .description('List events, newest first')
    .option('--type <type>', 'only this event type')
    .option('--status <status>', `one of ${EVENT_STATUSES.join(', ')}`)
    .option('--priority <priority>', `one of ${EVENT_PRIORITIES.join(', ')}`)
    .option('--trigger-type <type>', `one of ${TRIGGER_TYPES.join(', ')}`)
    .option('--created-after <iso>', 'created at or after this time')
    .option('--created-before <iso>', 'created before this time')
    .option('--limit <n>', 'at most this many', '50')
    .option('--offset <n>', 'skip this many', '0')
    .option('--order <order>', 'asc or desc (by creation time)', 'desc')
    .action(async (o, cmd: Command) => {
      const filter = {
        type: o.type,
        status: o.status,
        priority: o.priority,
        trigger_type: o.triggerType,
        created_after: o.createdAfter,
        created_before: o.createdBefore,
        limit: intOption(o.limit, '--limit'),
        offset: intOption(o.offset, '--offset'),
        order: o.order,
      }
      const parsed = parseInput(listEventsSchema, filter)
      await withRuntime(cmd, async (runtime, out) => {
        const events = await runtime.events.listEvents(parsed)
        out.result(events, () => out.table(events as unknown as Record<string, unknown>[], EVENT_COLUMNS))
      })
    })

  program
    .command('event:info <id>')
    .description('Show an event with its executions and every attempt')
    .action(async (id: string, _o, cmd: Command) => {
      await withRuntime(cmd, async (runtime, out) => {
        const event = await runtime.events.getEvent(id)
        out.result(event, () => {
          printRecord(out, event as unknown as Record<string, unknown>, ['executions'])
          out.line('')
          out.line(`executions (${event.executions.length}):`)
          out.table(
            event.executions.map((e) => ({ ...e, handler: e.handler_id ?? e.listener_id })) as unknown as Record<string, unknown>[],
            ['id', 'handler', 'executor_type', 'status', 'attempts', 'max_attempts', 'duration_ms', 'error', 'started_at', 'completed_at'],
          )
        })
      })
    })

  program
    .command('event:cancel <id>')
    .description('Cancel an event that has not finished: held or queued work will not run')
    .action(async (id: string, _o, cmd: Command) => {
      await withRuntime(cmd, async (runtime, out) => {
        const event = await runtime.events.cancelEvent(id)
        out.result(event, () => out.line(`cancelled event ${event.id}`))
      })
    })
}
