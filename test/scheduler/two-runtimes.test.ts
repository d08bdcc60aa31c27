import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startSp, type SpProcess } from '../support/cli.js'
import { spStage, type SpStage } from '../support/sp-stage.js'
import { waitFor } from '../support/wait.js'

const OCCURRENCES = 100

describe('two runtimes on one database and NATS server', () => {
  let env: Record<string, string>
  let client: Runtime
  let ran: string
  let running: SpProcess[]
  let stage: SpStage | undefined

  beforeAll(async () => {
    stage = await spStage('sched.race', 'SP_EVENT_ID')
    ;({ env, client, ran, running } = stage)
  })

  afterAll(async () => {
    await stage?.dispose()
  })

  it(`fire ${OCCURRENCES} occurrences due at the same instant as ${OCCURRENCES} events, not ${2 * OCCURRENCES}`, async () => {
    running.push(await startSp(env), await startSp(env))
    // Both runtimes wake at the same instant for every one of them: the race is at its tightest.
    const runAt = new Date(Date.now() + 3000).toISOString()
    const ids: string[] = []
    for (let i = 0; i < OCCURRENCES; i++) {
      ids.push((await client.schedules.scheduleEvent({ event_type: 'sched.race', schedule_type: 'once', run_at: runAt, event_data: { i } })).id)
    }
    await waitFor(async () => (await client.schedules.listSchedules({ status: 'completed' })).length === OCCURRENCES, 'every schedule completed', 30_000)
    const events = await waitFor(async () => {
      const list = await client.events.listEvents({ type: 'sched.race', limit: 1000 })
      return list.length >= OCCURRENCES && list.every((e) => e.status === 'completed') ? list : null
    }, 'every event completed', 60_000)
    expect(events).toHaveLength(OCCURRENCES)
    expect(new Set(events.map((e) => e.trigger_id))).toEqual(new Set(ids.map((id) => `${id}@${runAt}`)))
    const lines = readFileSync(ran, 'utf8').split('\n').filter(Boolean)
    expect(lines).toHaveLength(OCCURRENCES)
    expect(new Set(lines).size).toBe(OCCURRENCES)

    const deciders = new Map<string, number>()
    for (const id of ids) {
      const info = await client.schedules.getSchedule(id)
      expect(info.decisions).toEqual({ fired: 1 })
      const by = info.occurrences[0]!.runtime_id ?? '?'
      deciders.set(by, (deciders.get(by) ?? 0) + 1)
    }
    console.log(`two runtimes, ${OCCURRENCES} occurrences: decided by ${JSON.stringify(Object.fromEntries(deciders))}`)

  })

  it(`fire an every-50-ms schedule racing for each occurrence: ${OCCURRENCES} fired occurrences, ${OCCURRENCES} events`, async () => {
    writeFileSync(ran, '')
    const s = await client.schedules.scheduleEvent({ event_type: 'sched.race', schedule_type: 'interval', interval_ms: 50 })
    await waitFor(async () => ((await client.schedules.getSchedule(s.id)).decisions.fired ?? 0) >= OCCURRENCES, `${OCCURRENCES} fired`, 30_000)
    await client.schedules.pause(s.id)
    const info = await client.schedules.getSchedule(s.id, { occurrences: 10_000 })
    const fired = info.occurrences.filter((o) => o.decision === 'fired').map((o) => o.occurrence_id)
    const events = await waitFor(async () => {
      const list = (await client.events.listEvents({ type: 'sched.race', limit: 10_000 })).filter((e) => e.trigger_id?.startsWith(`${s.id}@`))
      return list.length >= fired.length && list.every((e) => e.status === 'completed') ? list : null
    }, 'every event of the interval completed', 60_000)
    expect(events.map((e) => e.id).sort()).toEqual([...fired].sort())
    const lines = readFileSync(ran, 'utf8').split('\n').filter(Boolean)
    expect(lines.sort()).toEqual([...fired].sort())
    const deciders = new Set(info.occurrences.map((o) => o.runtime_id))
    console.log(`interval 50 ms on two runtimes: ${fired.length} fired, ${info.occurrences.length - fired.length} skipped, decided by ${deciders.size} runtime(s)`)

    for (const p of running) p.child.kill('SIGTERM')
    for (const p of running) await p.exited
  })
})
