import type { Command } from 'commander'
import { loadConfig } from '../../config/load.js'
import { ValidationError } from '../../errors.js'
import { EVENT_PRIORITIES } from '../../model/event.js'
import { previewRuns, validateSchedule, type ScheduleEventInput, type ScheduleRecord, type ScheduleStatus } from '../../runtime/schedules-api.js'
import { globalOptions, withRuntime } from '../context.js'
import { createOutput, printRecord, type Output } from '../output.js'
import { intOption, jsonOption } from '../parse.js'

const LIST_COLUMNS = ['id', 'name', 'event_type', 'when', 'timezone', 'status', 'next_run_at', 'last_run_at']

/** `scheduling.timezone` from the configuration file, read without opening the database. */
function defaultTimezone(cmd: Command): string {
  return loadConfig({ path: globalOptions(cmd).config }).events.scheduling.timezone
}

/** The schedule's timing in one cell: the cron expression, the interval or the one time. */
function when(s: ScheduleRecord): string {
  if (s.schedule_type === 'cron') return `cron ${s.cron_expression}`
  if (s.schedule_type === 'interval') return `every ${s.interval_ms} ms`
  return `once at ${s.run_at}`
}

/** ISO-8601 UTC, with the wall time in `timeZone` beside it for people. */
function printTimes(out: Output, times: string[], timeZone: string): void {
  // The offset tells the two copies of a repeated hour apart.
  const local = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    ...({ year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' } as const),
    hourCycle: 'h23',
    timeZoneName: 'shortOffset',
  })
  out.result(times, () => {
    if (times.length === 0) out.line('(no further occurrences)')
    for (const t of times) out.line(`${t}  ${local.format(new Date(t))} ${timeZone}`)
  })
}

interface CreateOptions {
  eventType: string
  cron?: string
  interval?: string
  at?: string
  timezone?: string
  data?: string
  priority?: string
  startAt?: string
  endAt?: string
  missed?: string
  maxCatchup?: string
  overlap?: string
  name?: string
}

function createInput(o: CreateOptions): ScheduleEventInput {
  const given = [o.cron !== undefined && '--cron', o.interval !== undefined && '--interval', o.at !== undefined && '--at'].filter(Boolean)
  if (given.length !== 1) {
    throw new ValidationError('--cron', `give exactly one of --cron, --interval or --at${given.length ? ` (got ${given.join(' and ')})` : ''}`)
  }
  // Handed to the API's schema as typed: it names the field at fault (cron_expression, interval_ms, run_at...).
  return {
    name: o.name,
    event_type: o.eventType,
    event_data: (jsonOption(o.data, '--data') ?? {}) as Record<string, unknown>,
    priority: o.priority as ScheduleEventInput['priority'],
    schedule_type: o.cron !== undefined ? 'cron' : o.interval !== undefined ? 'interval' : 'once',
    cron_expression: o.cron,
    interval_ms: o.interval,
    run_at: o.at,
    timezone: o.timezone,
    start_at: o.startAt,
    end_at: o.endAt,
    missed_policy: o.missed as ScheduleEventInput['missed_policy'],
    max_catchup: intOption(o.maxCatchup, '--max-catchup'),
    overlap_policy: o.overlap as ScheduleEventInput['overlap_policy'],
  }
}

export function registerScheduleCommands(program: Command): void {
  program
    .command('schedule:create')
    .description('Schedule an event: cron (5 or 6 fields, or @daily-style macros), a fixed interval, or one time')
    .requiredOption('-t, --event-type <type>', 'type of the event each occurrence creates, such as report.generate')
    .option('--cron <expr>', 'cron expression read in --timezone: "0 9 * * *", "*/5 * * * * *" (with seconds), "@daily"')
    .option('--interval <duration>', 'every this long: milliseconds, or 30s, 5m, 1h')
    .option('--at <iso>', 'once, at this ISO-8601 time with a zone')
    .option('--timezone <iana>', 'IANA time zone for --cron (default: scheduling.timezone of the configuration, else UTC)')
    .option('-d, --data <json>', 'event data, a JSON object')
    .option('-p, --priority <priority>', `one of ${EVENT_PRIORITIES.join(', ')}`)
    .option('--start-at <iso>', 'no occurrence before this time (an interval counts from it)')
    .option('--end-at <iso>', 'no occurrence after this time; the schedule completes then')
    .option('--missed <policy>', 'what came due while no runtime ran: skip, once (fire the latest, the default) or all (up to --max-catchup)')
    .option('--max-catchup <n>', 'with --missed all: most missed occurrences fired (default 10)')
    .option('--overlap <policy>', 'allow (the default), or skip: no new occurrence while the previous one is unfinished')
    .option('-n, --name <name>', 'a name for people')
    .action(async (o: CreateOptions, cmd: Command) => {
      const input = createInput(o)
      validateSchedule(input, defaultTimezone(cmd)) // refuse bad input before touching the database
      await withRuntime(cmd, async (runtime, out) => {
        const schedule = await runtime.schedules.scheduleEvent(input)
        out.result(schedule, () => out.line(`created schedule ${schedule.id} (${when(schedule)}, ${schedule.timezone}); next run ${schedule.next_run_at}`))
      })
    })

  program
    .command('schedule:list')
    .description('List schedules with their time zone and next run')
    .option('--status <status>', 'active, paused, completed or failed')
    .action(async (o: { status?: string }, cmd: Command) => {
      if (o.status && !['active', 'paused', 'completed', 'failed'].includes(o.status)) {
        throw new ValidationError('--status', `must be active, paused, completed or failed, got "${o.status}"`)
      }
      await withRuntime(cmd, async (runtime, out) => {
        const schedules = await runtime.schedules.listSchedules({ status: o.status as ScheduleStatus | undefined })
        out.result(schedules, () => out.table(schedules.map((s) => ({ ...s, when: when(s) })), LIST_COLUMNS))
      })
    })

  program
    .command('schedule:info <id>')
    .description('Show a schedule with its recent occurrences and the decision for each')
    .option('--occurrences <n>', 'how many recent occurrences to show', '20')
    .action(async (id: string, o: { occurrences: string }, cmd: Command) => {
      const occurrences = intOption(o.occurrences, '--occurrences')
      await withRuntime(cmd, async (runtime, out) => {
        const s = await runtime.schedules.getSchedule(id, { occurrences })
        out.result(s, () => {
          printRecord(out, s as unknown as Record<string, unknown>, ['occurrences', 'decisions'])
          out.line('')
          out.line(`decisions: ${Object.entries(s.decisions).map(([k, v]) => `${k}=${v}`).join('  ') || 'none yet'}`)
          out.table(s.occurrences as unknown as Record<string, unknown>[], ['nominal_at', 'decision', 'event_id', 'source', 'decided_at'])
        })
      })
    })

  for (const [action, description] of [
    ['pause', 'Stop firing a schedule; what comes due while paused is not fired on resume'],
    ['resume', 'Fire a paused schedule again, from its next occurrence'],
    ['remove', 'Delete a schedule and its occurrence records (the events it created stay)'],
  ] as const) {
    program
      .command(`schedule:${action} <id>`)
      .description(description)
      .action(async (id: string, _o, cmd: Command) => {
        await withRuntime(cmd, async (runtime, out) => {
          const result = action === 'remove' ? await runtime.schedules.remove(id).then(() => ({ id, removed: true })) : await runtime.schedules[action](id)
          out.result(result, () => out.line(`${action === 'remove' ? 'removed' : `${action}d`} schedule ${id}`))
        })
      })
  }

  program
    .command('schedule:next [id]')
    .description('Preview the next run times of a schedule, or of --cron EXPR without creating anything (--json: ISO-8601 UTC)')
    .option('--cron <expr>', 'preview this cron expression instead of a stored schedule')
    .option('--timezone <iana>', 'time zone for --cron (default: scheduling.timezone of the configuration, else UTC)')
    .option('--from <iso>', 'times after this one (default: now)')
    .option('--count <n>', 'how many', '5')
    .action(async (id: string | undefined, o: { cron?: string; timezone?: string; from?: string; count: string }, cmd: Command) => {
      const count = intOption(o.count, '--count')
      if (id !== undefined && o.cron !== undefined) throw new ValidationError('--cron', 'give a schedule id or --cron, not both')
      if (id === undefined) {
        if (o.cron === undefined) throw new ValidationError('--cron', 'give a schedule id, or --cron EXPR to preview an expression')
        const timezone = o.timezone ?? defaultTimezone(cmd)
        const times = previewRuns({ schedule_type: 'cron', cron_expression: o.cron, timezone }, timezone, { from: o.from, count })
        printTimes(createOutput(globalOptions(cmd).json), times, timezone)
        return
      }
      if (o.timezone !== undefined) throw new ValidationError('--timezone', 'applies to --cron only: a stored schedule has its own')
      await withRuntime(cmd, async (runtime, out) => {
        const times = await runtime.schedules.nextRuns(id, { from: o.from, count })
        printTimes(out, times, (await runtime.schedules.getSchedule(id, { occurrences: 0 })).timezone)
      })
    })

  program
    .command('schedule:run <id>')
    .description('Fire one occurrence of a schedule now (its id is <schedule>@<now>)')
    .action(async (id: string, _o, cmd: Command) => {
      await withRuntime(cmd, async (runtime, out) => {
        const result = await runtime.schedules.runNow(id)
        out.result(result, () => out.line(`fired ${result.occurrence_id}`))
      })
    })
}
