import type { BenchEnvironment } from './environment.js'
import type { ProbeReading } from './probe.js'

/** One figure a workload reports, with the target `shared/BENCH.md` sets for it. */
export interface Metric {
  readonly key: string
  readonly label: string
  /** Which way is better, for the target check. */
  readonly better: 'higher' | 'lower'
  readonly target?: number
}

/** What a run must leave in the store; `attempts` defaults to one per execution. */
export interface ExpectedCounts {
  events: number
  executions: number
  attempts?: number
  /** Workflow executions, every one `completed`. */
  workflows?: number
}

/** What one run measured and what it must have left in the store. */
export interface RunOutcome {
  /** Figures by metric key. */
  values: Record<string, number>
  /** Every event completed and every execution completed by exactly one attempt: the harness checks the store for these. */
  expected: ExpectedCounts
  /** Count errors the workload saw itself (a handler run twice, a timer fired early); empty when right. */
  problems: string[]
  /** CPU and event-loop figures over the measured window. */
  probe: ProbeReading
}

/**
 * A workload that runs now. `run` gets an unstarted runtime on a fresh SQLite file and a fresh
 * nats-server: it registers its functions and handlers, starts the runtime and measures.
 */
export interface ReadyWorkload<Sizes extends object = object> {
  readonly id: string
  readonly title: string
  readonly metrics: readonly Metric[]
  readonly sizes: { readonly full: Sizes; readonly quick: Sizes }
  run(env: BenchEnvironment, sizes: Sizes): Promise<RunOutcome>
}

/** A workload that needs a feature still being built: it stays in the table with the reason. */
export interface PendingWorkload {
  readonly id: string
  readonly title: string
  readonly pending: string
}

export type Workload = ReadyWorkload | PendingWorkload

export function isReady(w: Workload): w is ReadyWorkload {
  return !('pending' in w)
}
