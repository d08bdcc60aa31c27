import { payload, seqOf } from '../harness/payload.js'
import { exactlyOnce, Settlement } from '../harness/settlement.js'
import { latencySummary } from '../harness/stats.js'
import { sleepUntil } from '../harness/timing.js'
import type { ReadyWorkload } from '../harness/workload.js'

interface Sizes {
  events: number
  perSecond: number
}

const TYPE = 'bench.latency'

/** W1L: events published at a steady rate (open loop); latency from the createEvent call to the handler's start. */
export const w1lLatency: ReadyWorkload<Sizes> = {
  id: 'W1L',
  title: 'latency',
  metrics: [
    { key: 'latency_p50', label: 'publish → handler start p50 (ms)', better: 'lower' },
    { key: 'latency_p99', label: 'publish → handler start p99 (ms)', better: 'lower', target: 3 },
    { key: 'latency_max', label: 'publish → handler start max (ms)', better: 'lower' },
  ],
  sizes: { full: { events: 500, perSecond: 200 }, quick: { events: 100, perSecond: 200 } },

  async run({ runtime, probe }, { events, perSecond }) {
    const calls = new Uint32Array(events)
    const publishedAt = new Float64Array(events)
    const startedAt = new Float64Array(events).fill(Number.NaN)
    const failures: string[] = []
    let stray = 0
    runtime.functions.register('bench.mark', (input) => {
      const now = performance.now()
      const seq = seqOf(input)
      if (seq < 0 || seq >= events) stray++
      else if (calls[seq]!++ === 0) startedAt[seq] = now
    })
    await runtime.events.registerHandler({ event_type: TYPE, executor_type: 'function', configuration: { function: 'bench.mark' } })
    const settled = new Settlement(runtime, events)
    await runtime.start()

    const window = probe()
    const t0 = performance.now() + 5
    const accepted: Promise<unknown>[] = []
    for (let seq = 0; seq < events; seq++) {
      await sleepUntil(t0 + (seq * 1000) / perSecond)
      publishedAt[seq] = performance.now()
      accepted.push(runtime.events.createEvent({ type: TYPE, data: payload(seq) }).catch((err) => failures.push(`createEvent: ${String(err)}`)))
    }
    await Promise.all(accepted)
    await settled.wait(60_000)
    const reading = window.stop()

    const latencies = startedAt.map((s, i) => s - publishedAt[i]!).filter((l) => !Number.isNaN(l))
    const problems = [...failures.slice(0, 5), ...settled.problems(), ...exactlyOnce(calls, TYPE)]
    if (stray) problems.push(`${TYPE}: ${stray} handler calls for events this run never published`)
    return { values: latencySummary('latency', latencies), expected: { events, executions: events }, problems, probe: reading }
  },
}
