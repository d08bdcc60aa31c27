import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

describe('a running scheduler that falls behind', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    runtime = await testRuntime(nats.url, join(tmp.dir, 'sp.db'))
    await runtime.start()
  })

  afterAll(async () => {
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('fires the occurrences it was late for (busy, not down) instead of skipping them as missed', async () => {
    const s = await runtime.schedules.scheduleEvent({ event_type: 'sched.late', schedule_type: 'interval', interval_ms: 50, missed_policy: 'skip' })
    await waitFor(async () => ((await runtime.schedules.getSchedule(s.id)).decisions.fired ?? 0) >= 2, 'two occurrences fired')
    // Block the event loop for 600 ms: about 12 occurrences come due while the scheduler cannot act.
    const until = Date.now() + 600
    while (Date.now() < until) {
      /* busy */
    }
    await waitFor(async () => ((await runtime.schedules.getSchedule(s.id)).decisions.fired ?? 0) >= 16, '16 occurrences fired')
    const info = await runtime.schedules.getSchedule(s.id)
    expect(info.decisions['skipped-missed'] ?? 0).toBe(0)
    const nominal = info.occurrences.map((o) => Date.parse(o.nominal_at)).sort((a, b) => a - b)
    for (let i = 1; i < nominal.length; i++) expect(nominal[i]! - nominal[i - 1]!).toBe(50)
  })
})
