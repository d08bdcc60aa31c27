import { latencySummary } from '../harness/stats.js'
import { sleepUntil } from '../harness/timing.js'
import type { ReadyWorkload } from '../harness/workload.js'
import { chainDefinition, WorkflowSettlement } from '../harness/workflows.js'

interface Sizes {
  executions: number
  /** Executions of the latency phase, started at `perSecond`. */
  paced: number
  perSecond: number
}

const STEPS = 3

/**
 * W2: a 3-step workflow of no-op function steps, a checkpoint after every step. Throughput: every
 * execution started at once (the start API's own pace), first start → last completion. Latency:
 * then, on the idle runtime, starts at a steady rate (open loop), start call → last step settled.
 */
export const w2Workflow: ReadyWorkload<Sizes> = {
  id: 'W2',
  title: 'workflow',
  metrics: [
    { key: 'executions_per_s', label: 'executions/s, first start → last completion', better: 'higher', target: 3000 },
    { key: 'start_per_s', label: 'start rate (start resolved/s)', better: 'higher' },
    { key: 'latency_p50', label: 'start → completed p50 at 40 starts/s (ms)', better: 'lower' },
    { key: 'latency_p99', label: 'start → completed p99 at 40 starts/s (ms)', better: 'lower' },
  ],
  sizes: { full: { executions: 2000, paced: 200, perSecond: 40 }, quick: { executions: 200, paced: 40, perSecond: 40 } },

  async run({ runtime, probe }, { executions, paced, perSecond }) {
    let calls = 0
    runtime.functions.register('bench.noop', () => {
      calls++
      return {}
    })
    await runtime.workflows.create(chainDefinition('bench-w2', STEPS, 'bench.noop'))
    const settled = new WorkflowSettlement(runtime, `s${STEPS}`)
    const failures: string[] = []
    await runtime.start()

    const window = probe()
    const t0 = performance.now()
    const started = await Promise.all(
      Array.from({ length: executions }, (_, i) => runtime.workflows.start('bench-w2', { i }).catch((err: unknown) => void failures.push(`start: ${String(err)}`))),
    )
    const allStarted = performance.now()
    const finished = await settled.wait(executions, 120_000)
    const throughputEnd = settled.lastAt

    const startedAt = new Map<string, number>()
    const tp = performance.now() + 5
    const pacedStarts: Promise<unknown>[] = []
    for (let i = 0; i < paced; i++) {
      await sleepUntil(tp + (i * 1000) / perSecond)
      const at = performance.now()
      pacedStarts.push(
        runtime.workflows.start('bench-w2', { i: executions + i }).then(
          (view) => startedAt.set(view.id, at),
          (err: unknown) => failures.push(`start: ${String(err)}`),
        ),
      )
    }
    await Promise.all(pacedStarts)
    await settled.wait(executions + paced, 60_000)
    const reading = window.stop()

    const latencies = [...startedAt].map(([id, at]) => (settled.completedAt.get(id) ?? Number.NaN) - at).filter((l) => !Number.isNaN(l))
    const total = executions + paced
    const problems = [...failures.slice(0, 5), ...settled.problems(total)]
    if (started.filter(Boolean).length !== executions) problems.push(`${executions - started.filter(Boolean).length} starts failed`)
    if (calls !== total * STEPS) problems.push(`bench.noop ran ${calls} times, expected ${total * STEPS} (one per step)`)
    return {
      values: {
        executions_per_s: finished ? executions / ((throughputEnd - t0) / 1000) : Number.NaN,
        start_per_s: executions / ((allStarted - t0) / 1000),
        ...latencySummary('latency', latencies),
      },
      expected: { events: total, executions: total * STEPS, workflows: total },
      problems,
      probe: reading,
    }
  },
}
