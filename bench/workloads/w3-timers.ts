import { seqOf } from '../harness/payload.js'
import { exactlyOnce, Settlement } from '../harness/settlement.js'
import { latencySummary } from '../harness/stats.js'
import { sleepUntil, wallNow } from '../harness/timing.js'
import type { ReadyWorkload } from '../harness/workload.js'

interface Sizes {
  events: number
  /** The due times are spread evenly over this window. */
  spreadMs: number
  /** Each event is created this long before it is due. */
  leadMs: number
}

const TYPE = 'bench.timer'
/** Tolerance for the millisecond resolution of `scheduled_at` before a start counts as early. */
const EARLY_TOLERANCE_MS = 1

/** W3: one-time events held until their `scheduled_at`; lateness = handler start − due time. */
export const w3Timers: ReadyWorkload<Sizes> = {
  id: 'W3',
  title: 'timers',
  metrics: [
    { key: 'lateness_p50', label: 'lateness p50 (ms)', better: 'lower' },
    { key: 'lateness_p99', label: 'lateness p99 (ms)', better: 'lower', target: 5 },
    { key: 'lateness_max', label: 'lateness max (ms)', better: 'lower' },
  ],
  sizes: { full: { events: 200, spreadMs: 5000, leadMs: 1000 }, quick: { events: 40, spreadMs: 1000, leadMs: 1000 } },

  async run({ runtime, probe }, { events, spreadMs, leadMs }) {
    const calls = new Uint32Array(events)
    const dueAt = new Float64Array(events)
    const startedAt = new Float64Array(events).fill(Number.NaN)
    const failures: string[] = []
    let stray = 0
    runtime.functions.register('bench.timer', (input) => {
      const now = wallNow()
      const seq = seqOf(input)
      if (seq < 0 || seq >= events) stray++
      else if (calls[seq]!++ === 0) startedAt[seq] = now
    })
    await runtime.events.registerHandler({ event_type: TYPE, executor_type: 'function', configuration: { function: 'bench.timer' } })
    const settled = new Settlement(runtime, events)
    await runtime.start()

    const window = probe()
    // Due times on whole milliseconds (scheduled_at's resolution), distinct, `spreadMs / events` apart.
    const firstDue = Math.ceil(wallNow()) + leadMs + 10
    const offset = performance.now() - wallNow()
    const accepted: Promise<unknown>[] = []
    for (let seq = 0; seq < events; seq++) {
      const due = firstDue + Math.round((seq * spreadMs) / events)
      dueAt[seq] = due
      await sleepUntil(due - leadMs + offset)
      accepted.push(
        runtime.events
          .createEvent({ type: TYPE, data: { seq }, scheduled_at: new Date(due).toISOString() })
          .catch((err) => failures.push(`createEvent: ${String(err)}`)),
      )
    }
    await Promise.all(accepted)
    await settled.wait(leadMs + 60_000)
    const reading = window.stop()

    const lateness = startedAt.map((s, i) => s - dueAt[i]!).filter((l) => !Number.isNaN(l))
    const problems = [...failures.slice(0, 5), ...settled.problems(), ...exactlyOnce(calls, TYPE)]
    const early = lateness.filter((l) => l < -EARLY_TOLERANCE_MS).length
    if (early) problems.push(`${TYPE}: ${early} events reached their handler before their scheduled_at`)
    if (stray) problems.push(`${TYPE}: ${stray} handler calls for events this run never published`)
    return { values: latencySummary('lateness', lateness), expected: { events, executions: events }, problems, probe: reading }
  },
}
