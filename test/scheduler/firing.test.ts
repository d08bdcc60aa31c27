import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { parseOccurrenceId } from '../../src/schedule/index.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

/** How long the no-drift test watches an every-200-ms schedule: the 20 s (SP_TEST_DRIFT_SECONDS to change it). */
const DRIFT_SECONDS = Number(process.env.SP_TEST_DRIFT_SECONDS ?? 20)

describe('the scheduler fires schedules on time, from one timer', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  /** Handler calls by schedule id: the nominal time of each, read from the event's trigger id, and when it ran. */
  const calls = new Map<string, { nominal: number; ranAt: number; trigger: string }[]>()
  const count = (scheduleId: string) => calls.get(scheduleId)?.length ?? 0

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    runtime = await testRuntime(nats.url, join(tmp.dir, 'sp.db'))
    runtime.functions.register('tick', (_input, ctx) => {
      const parsed = parseOccurrenceId(ctx.event.trigger_id ?? '')
      if (!parsed || ctx.event.trigger_type !== 'scheduled') throw new Error(`not a scheduled event: ${ctx.event.trigger_id}`)
      const list = calls.get(parsed.scheduleId) ?? []
      list.push({ nominal: parsed.nominal.getTime(), ranAt: Date.now(), trigger: ctx.event.trigger_id! })
      calls.set(parsed.scheduleId, list)
    })
    await runtime.events.registerHandler({ event_type: 'sched.tick', executor_type: 'function', configuration: { function: 'tick' } })
    await runtime.start()
  })

  afterAll(async () => {
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it(`fires an every-200-ms interval about 5 times a second on its nominal grid, without drift, for ${DRIFT_SECONDS} s`, async () => {
    const s = await runtime.schedules.scheduleEvent({ event_type: 'sched.tick', schedule_type: 'interval', interval_ms: 200 })
    const anchor = Date.parse(s.created_at)
    const expected = DRIFT_SECONDS * 5
    await waitFor(() => count(s.id) >= expected, `${expected} occurrences`, DRIFT_SECONDS * 1000 + 10_000)
    const elapsed = Date.now() - anchor
    await runtime.schedules.pause(s.id)
    const list = calls.get(s.id)!.slice(0, expected)
    // Every nominal time is anchor + k * 200 ms: occurrences never drift from the grid.
    for (const c of list) expect((c.nominal - anchor) % 200).toBe(0)
    // No grid point was left undecided: fired and skipped ones together are k = 1, 2, 3, ...
    const decided = (await runtime.schedules.getSchedule(s.id, { occurrences: 10_000 })).occurrences
      .map((o) => (Date.parse(o.nominal_at) - anchor) / 200)
      .sort((a, b) => a - b)
    expect(decided).toEqual(decided.map((_, i) => i + 1))
    // About 5 a second: the 50th occurrence is nominally at 10 s, and it did not run much later.
    expect(elapsed).toBeLessThan(expected * 200 + 1500)
    const lateness = list.map((c) => c.ranAt - c.nominal).sort((a, b) => a - b)
    const p50 = lateness[Math.floor(lateness.length / 2)]!
    // The scheduler's own lateness: when the occurrence's event was committed, after its nominal time.
    const events = await runtime.events.listEvents({ trigger_type: 'scheduled', limit: 10_000 })
    const committed = events
      .filter((e) => e.trigger_id?.startsWith(`${s.id}@`))
      .map((e) => Date.parse(e.created_at) - Date.parse(e.scheduled_at!))
      .sort((a, b) => a - b)
    const pct = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * q))]
    console.log(
      `interval 200 ms over ${DRIFT_SECONDS} s: ${list.length} fired; event committed after nominal p50 ${pct(committed, 0.5)} ms, p99 ${pct(committed, 0.99)} ms; ` +
        `handler ran after nominal p50 ${p50} ms, max ${lateness.at(-1)} ms`,
    )
    expect(p50).toBeLessThan(100)
  })

  it('fires a cron schedule with seconds on the whole second', async () => {
    const s = await runtime.schedules.scheduleEvent({ event_type: 'sched.tick', schedule_type: 'cron', cron_expression: '* * * * * *' })
    await waitFor(() => count(s.id) >= 3, '3 cron occurrences', 10_000)
    await runtime.schedules.pause(s.id)
    const list = calls.get(s.id)!.slice(0, 3)
    for (const c of list) expect(c.nominal % 1000).toBe(0)
    expect(list.map((c) => c.nominal - list[0]!.nominal)).toEqual([0, 1000, 2000])
    expect(s.timezone).toBe('UTC')
  })

  it('fires a one-time schedule once, then completes it', async () => {
    const runAt = new Date(Date.now() + 500)
    const once = await runtime.schedules.scheduleEvent({ event_type: 'sched.tick', schedule_type: 'once', run_at: runAt.toISOString() })
    expect(once.next_run_at).toBe(runAt.toISOString())
    const control = await runtime.schedules.scheduleEvent({ event_type: 'sched.tick', schedule_type: 'interval', interval_ms: 300 })
    await waitFor(() => count(once.id) === 1, 'the one-time occurrence', 10_000)
    expect(calls.get(once.id)![0]!.trigger).toBe(`${once.id}@${runAt.toISOString()}`)
    // Watch for a while, bounded by a condition: the control schedule fires three more times.
    const seen = count(control.id)
    await waitFor(() => count(control.id) >= seen + 3, 'three more control occurrences', 10_000)
    await runtime.schedules.pause(control.id)
    expect(count(once.id)).toBe(1)
    expect(await runtime.schedules.getSchedule(once.id)).toMatchObject({ status: 'completed', next_run_at: null, decisions: { fired: 1 } })
  })

  it('fires nothing while paused, and fires again once resumed', async () => {
    const paused = await runtime.schedules.scheduleEvent({
      event_type: 'sched.tick',
      schedule_type: 'interval',
      interval_ms: 100,
      start_at: new Date(Date.now() + 300).toISOString(),
    })
    await runtime.schedules.pause(paused.id)
    const control = await runtime.schedules.scheduleEvent({ event_type: 'sched.tick', schedule_type: 'interval', interval_ms: 200 })
    await waitFor(() => count(control.id) >= 3, 'the unpaused control schedule fired 3 times', 10_000)
    await runtime.schedules.pause(control.id)
    expect(count(paused.id)).toBe(0)
    expect((await runtime.schedules.getSchedule(paused.id)).occurrences).toEqual([])

    const resumedAt = Date.now()
    await runtime.schedules.resume(paused.id)
    await waitFor(() => count(paused.id) >= 2, 'the resumed schedule fired', 10_000)
    await runtime.schedules.pause(paused.id)
    // What came due while paused was not fired on resume.
    for (const c of calls.get(paused.id)!) expect(c.nominal).toBeGreaterThan(resumedAt)
  })

  it('stops at end_at and completes the schedule', async () => {
    const start = new Date(Math.ceil((Date.now() + 300) / 100) * 100)
    const end = new Date(start.getTime() + 1000)
    const s = await runtime.schedules.scheduleEvent({
      event_type: 'sched.tick',
      schedule_type: 'interval',
      interval_ms: 200,
      start_at: start.toISOString(),
      end_at: end.toISOString(),
    })
    await waitFor(async () => (await runtime.schedules.getSchedule(s.id)).status === 'completed', 'the schedule completed', 10_000)
    // start, +200 ... +1000: six occurrences, both bounds inclusive.
    await waitFor(() => count(s.id) === 6, 'six handler calls', 5_000)
    expect(calls.get(s.id)!.map((c) => c.nominal - start.getTime()).sort((a, b) => a - b)).toEqual([0, 200, 400, 600, 800, 1000])
  })

  it('runs one occurrence now on request, whatever the schedule state', async () => {
    const s = await runtime.schedules.scheduleEvent({ event_type: 'sched.tick', schedule_type: 'cron', cron_expression: '0 0 1 1 *' })
    await runtime.schedules.pause(s.id)
    const { occurrence_id } = await runtime.schedules.runNow(s.id)
    expect(occurrence_id.startsWith(`${s.id}@`)).toBe(true)
    await waitFor(() => count(s.id) === 1, 'the run-now occurrence', 10_000)
    const event = await runtime.events.getEvent(occurrence_id)
    expect(event).toMatchObject({ trigger_type: 'scheduled', trigger_id: occurrence_id })
    expect((await runtime.schedules.getSchedule(s.id)).occurrences[0]).toMatchObject({ occurrence_id, decision: 'fired', source: 'run-now' })
  })

  it('skips an occurrence while the previous one is unfinished, with overlap skip', async () => {
    let running = 0
    let most = 0
    runtime.functions.register('slow', async () => {
      most = Math.max(most, ++running)
      await new Promise((resolve) => setTimeout(resolve, 450))
      running--
    })
    await runtime.events.registerHandler({ event_type: 'sched.slow', executor_type: 'function', configuration: { function: 'slow' } })
    const s = await runtime.schedules.scheduleEvent({ event_type: 'sched.slow', schedule_type: 'interval', interval_ms: 100, overlap_policy: 'skip' })
    const info = await waitFor(async () => {
      const i = await runtime.schedules.getSchedule(s.id)
      return (i.decisions.fired ?? 0) >= 3 && (i.decisions['skipped-overlap'] ?? 0) >= 3 ? i : null
    }, 'fired and skipped-overlap occurrences', 15_000)
    await runtime.schedules.pause(s.id)
    expect(most).toBe(1)
    expect(info.occurrences.some((o) => o.decision === 'skipped-overlap' && o.event_id === null)).toBe(true)
  })
})
