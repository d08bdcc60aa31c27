import { payload, seqOf } from '../harness/payload.js'
import { exactlyOnce, Settlement } from '../harness/settlement.js'
import type { ReadyWorkload } from '../harness/workload.js'

interface Sizes {
  events: number
  /** Publishers, each awaiting its createEvent before the next. */
  concurrency: number
}

const TYPE = 'bench.dispatch'

/** W1: events as fast as createEvent accepts them, one no-op function handler each. */
export const w1Dispatch: ReadyWorkload<Sizes> = {
  id: 'W1',
  title: 'dispatch',
  metrics: [
    { key: 'events_per_s', label: 'events/s, first publish → last completion', better: 'higher', target: 16_000 },
    { key: 'publish_per_s', label: 'publish rate (createEvent resolved/s)', better: 'higher' },
  ],
  sizes: { full: { events: 20_000, concurrency: 16 }, quick: { events: 2_000, concurrency: 16 } },

  async run({ runtime, probe }, { events, concurrency }) {
    const calls = new Uint32Array(events)
    let stray = 0
    runtime.functions.register('bench.noop', (input) => {
      const seq = seqOf(input)
      if (seq >= 0 && seq < events) calls[seq]!++
      else stray++
    })
    await runtime.events.registerHandler({ event_type: TYPE, executor_type: 'function', configuration: { function: 'bench.noop' } })
    const settled = new Settlement(runtime, events)
    await runtime.start()

    const window = probe()
    const t0 = performance.now()
    let next = 0
    const publisher = async () => {
      for (let seq = next++; seq < events; seq = next++) await runtime.events.createEvent({ type: TYPE, data: payload(seq) })
    }
    await Promise.all(Array.from({ length: concurrency }, publisher))
    const published = performance.now()
    const finished = await settled.wait(120_000)
    const reading = window.stop()

    const problems = [...settled.problems(), ...exactlyOnce(calls, TYPE)]
    if (stray) problems.push(`${TYPE}: ${stray} handler calls for events this run never published`)
    return {
      values: {
        events_per_s: finished ? events / ((settled.lastAt - t0) / 1000) : Number.NaN,
        publish_per_s: events / ((published - t0) / 1000),
      },
      expected: { events, executions: events },
      problems,
      probe: reading,
    }
  },
}
