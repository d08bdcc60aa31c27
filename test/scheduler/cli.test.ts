import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ScheduleRecord, ScheduleWithOccurrences } from '../../src/runtime/schedules-api.js'
import { runSp, spJson } from '../support/cli.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

describe('sp schedule:* refuses bad input with exit 2, naming the field, and writes nothing', () => {
  let tmp: ReturnType<typeof tempDir>
  let env: Record<string, string>

  beforeAll(() => {
    tmp = tempDir()
    env = { SP_DATABASE: join(tmp.dir, 'sp.db'), SP_NATS_URL: 'nats://127.0.0.1:1' }
  })
  afterAll(() => tmp.dispose())

  const create = ['schedule:create', '--event-type', 'report.daily']
  const cases: [string, string[], RegExp][] = [
    ['a bad cron expression', [...create, '--cron', '61 * * * *'], /cron_expression: .*minute/],
    ['a cron expression with too many fields', [...create, '--cron', '* * * * * * *'], /cron_expression: /],
    ['a time zone that is not IANA', [...create, '--cron', '0 9 * * *', '--timezone', 'Mars/Olympus'], /timezone: "Mars\/Olympus" is not a valid IANA/],
    ['an interval of zero', [...create, '--interval', '0'], /interval_ms: must be > 0/],
    ['a negative interval', [...create, '--interval=-5s'], /interval_ms: must be > 0/],
    ['an interval that is not a duration', [...create, '--interval', 'soon'], /interval_ms: /],
    ['--at in the past', [...create, '--at', '2020-01-01T00:00:00Z'], /run_at: is in the past/],
    ['--at without a zone', [...create, '--at', '2099-01-01 10:00'], /run_at: /],
    ['neither --cron, --interval nor --at', create, /exactly one of --cron, --interval or --at/],
    ['both --cron and --interval', [...create, '--cron', '* * * * *', '--interval', '5m'], /exactly one of/],
    ['an unknown missed policy', [...create, '--interval', '5m', '--missed', 'never'], /missed_policy: /],
    ['an unknown overlap policy', [...create, '--interval', '5m', '--overlap', 'queue'], /overlap_policy: /],
    ['end_at before the first run', [...create, '--interval', '5m', '--end-at', '2020-01-01T00:00:00Z'], /end_at: /],
    ['a bad event type', ['schedule:create', '--event-type', 'not a type', '--interval', '5m'], /event_type: /],
    ['schedule:next without id or --cron', ['schedule:next'], /--cron: give a schedule id/],
    ['schedule:next with a bad cron', ['schedule:next', '--cron', '* * *'], /cron_expression: /],
    ['schedule:next with a bad time zone', ['schedule:next', '--cron', '* * * * *', '--timezone', 'Nowhere'], /timezone: /],
    ['schedule:next with a bad count', ['schedule:next', '--cron', '* * * * *', '--count', 'many'], /--count: /],
  ]
  for (const [name, args, stderr] of cases) {
    it(`refuses ${name}`, async () => {
      const r = await runSp(args, env)
      expect(r.stderr).toMatch(stderr)
      expect(r.code).toBe(2)
      expect(existsSync(env.SP_DATABASE!)).toBe(false)
    })
  }

  it('previews cron times as ISO-8601 UTC with --json, without a database, through a DST change', async () => {
    const r = await runSp(['--json', 'schedule:next', '--cron', '30 2 * * *', '--timezone', 'America/New_York', '--from', '2025-03-08T12:00:00Z', '--count', '3'], env)
    expect(r.code).toBe(0)
    // 02:30 does not exist on 9 March 2025 in New York: it fires at 03:30 EDT (07:30Z), once.
    expect(JSON.parse(r.stdout)).toEqual(['2025-03-09T07:30:00.000Z', '2025-03-10T06:30:00.000Z', '2025-03-11T06:30:00.000Z'])
    const six = await runSp(['schedule:next', '--cron', '*/15 * * * * *', '--from', '2025-01-01T00:00:00Z', '--count', '2', '--json'], env)
    expect(JSON.parse(six.stdout)).toEqual(['2025-01-01T00:00:15.000Z', '2025-01-01T00:00:30.000Z'])
    expect(existsSync(env.SP_DATABASE!)).toBe(false)
  })
})

describe('sp schedule:* manages schedules', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let env: Record<string, string>

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    env = { SP_DATABASE: join(tmp.dir, 'sp.db'), SP_NATS_URL: nats.url }
  })
  afterAll(async () => {
    await nats?.dispose()
    tmp?.dispose()
  })

  it('creates, lists, previews, pauses, resumes, runs and removes a schedule', async () => {
    const created = await spJson<ScheduleRecord>(
      ['schedule:create', '--event-type', 'report.daily', '--cron', '0 9 * * 1-5', '--timezone', 'Europe/London', '--data', '{"kind":"summary"}', '--name', 'weekday report'],
      env,
    )
    expect(created).toMatchObject({ schedule_type: 'cron', timezone: 'Europe/London', status: 'active', missed_policy: 'once', overlap_policy: 'allow' })
    expect(Date.parse(created.next_run_at!)).toBeGreaterThan(Date.now())

    const table = await runSp(['schedule:list'], env)
    expect(table.stdout).toMatch(/TIMEZONE/)
    expect(table.stdout).toMatch(new RegExp(`${created.id}.*cron 0 9 \\* \\* 1-5.*Europe/London.*active.*${created.next_run_at}`))

    const next = await spJson<string[]>(['schedule:next', created.id, '--count', '3'], env)
    expect(next[0]).toBe(created.next_run_at)
    expect(next).toHaveLength(3)

    expect((await spJson<ScheduleRecord>(['schedule:pause', created.id], env)).status).toBe('paused')
    expect((await spJson<ScheduleRecord>(['schedule:resume', created.id], env)).status).toBe('active')

    const run = await spJson<{ occurrence_id: string }>(['schedule:run', created.id], env)
    expect(run.occurrence_id.startsWith(`${created.id}@`)).toBe(true)
    const info = await spJson<ScheduleWithOccurrences>(['schedule:info', created.id], env)
    expect(info.occurrences).toMatchObject([{ occurrence_id: run.occurrence_id, decision: 'fired', source: 'run-now' }])
    const event = await spJson<{ trigger_type: string; trigger_id: string; data: unknown }>(['event:info', run.occurrence_id], env)
    expect(event).toMatchObject({ trigger_type: 'scheduled', trigger_id: run.occurrence_id, data: { kind: 'summary' } })

    await spJson(['schedule:remove', created.id], env)
    const gone = await runSp(['schedule:info', created.id], env)
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/not found/)
  })

  it('accepts an interval written as a duration and the default time zone', async () => {
    const s = await spJson<ScheduleRecord>(['schedule:create', '--event-type', 'health.check', '--interval', '5m', '--missed', 'skip', '--overlap', 'skip'], env)
    expect(s).toMatchObject({ interval_ms: 300_000, timezone: 'UTC', missed_policy: 'skip', overlap_policy: 'skip' })
    await waitFor(async () => (await spJson<ScheduleRecord[]>(['schedule:list'], env)).some((x) => x.id === s.id), 'the schedule listed')
  })
})
