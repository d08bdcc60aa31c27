import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import type { ScheduleWithOccurrences } from '../../src/runtime/schedules-api.js'
import { runSp, spJson, startSp, type SpProcess } from '../support/cli.js'
import { spStage, type SpStage } from '../support/sp-stage.js'
import { waitFor } from '../support/wait.js'

/** Lines "<idempotency key>" appended by the command handler: one per handler run. */
function runs(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean)
}

describe('schedules survive kill -9 of the runtime', () => {
  let env: Record<string, string>
  let client: Runtime
  let ran: string
  let running: SpProcess[]
  let stage: SpStage | undefined

  beforeAll(async () => {
    stage = await spStage('sched.job', 'SP_IDEMPOTENCY_KEY')
    ;({ env, client, ran, running } = stage)
  })

  afterAll(async () => {
    await stage?.dispose()
  })

  it('fires a one-time schedule missed while down once after the restart (missed once), and records the skip under missed skip', async () => {
    const first = await startSp(env)
    running.push(first)
    const runAt = new Date(Date.now() + 2000)
    const once = await client.schedules.scheduleEvent({ event_type: 'sched.job', schedule_type: 'once', run_at: runAt.toISOString() })
    const skip = await client.schedules.scheduleEvent({ event_type: 'sched.job', schedule_type: 'once', run_at: runAt.toISOString(), missed_policy: 'skip' })
    first.child.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')

    // Restart well after the due time: past the 1 s within which a late occurrence still counts as on time.
    await waitFor(() => Date.now() > runAt.getTime() + 1500, 'the due time to pass while no runtime runs', 10_000)
    expect(runs(ran)).toEqual([])
    const second = await startSp(env)
    running.push(second)

    const occurrence = `${once.id}@${runAt.toISOString()}`
    await waitFor(() => runs(ran).some((line) => line.startsWith(`${occurrence}:`)), 'the missed occurrence ran', 20_000)
    const skipped = await waitFor(async () => {
      const info = await spJson<ScheduleWithOccurrences>(['schedule:info', skip.id], env)
      return info.status === 'completed' ? info : null
    }, 'the missed-skip schedule completed', 10_000)
    expect(skipped.occurrences).toMatchObject([{ occurrence_id: `${skip.id}@${runAt.toISOString()}`, decision: 'skipped-missed', event_id: null }])
    const table = await runSp(['schedule:info', skip.id], env)
    expect(table.stdout).toMatch(/skipped-missed/)

    // Fired once: one event for the schedule, and one handler run.
    const fired = await client.schedules.getSchedule(once.id)
    expect(fired).toMatchObject({ status: 'completed', decisions: { fired: 1 } })
    const events = await client.events.listEvents({ trigger_type: 'scheduled', limit: 100 })
    expect(events.filter((e) => e.trigger_id?.startsWith(once.id)).map((e) => e.id)).toEqual([occurrence])
    expect(events.filter((e) => e.trigger_id?.startsWith(skip.id))).toEqual([])
    await waitFor(async () => (await client.events.getEvent(occurrence)).status === 'completed', 'the event completed', 10_000)
    expect(runs(ran).filter((line) => line.startsWith(once.id))).toHaveLength(1)

    second.child.kill('SIGTERM')
    await second.exited
  })
})
