import type { Runtime } from '../../src/runtime/runtime.js'
import { within } from './timing.js'

/**
 * Counts executions as the runtime records them settled. `done` resolves when `expected` have
 * completed; `lastAt` is the `performance.now()` of the last completion.
 */
export class Settlement {
  completed = 0
  lastAt = Number.NaN
  readonly failures: string[] = []
  private resolve!: () => void
  private readonly done = new Promise<void>((resolve) => (this.resolve = resolve))

  constructor(
    runtime: Runtime,
    private readonly expected: number,
  ) {
    runtime.onSettled((item, ok, final) => {
      if (!ok) {
        if (this.failures.length < 5) this.failures.push(`execution ${item.execution.id} ${final ? 'failed' : 'failed and is retrying'}`)
        return
      }
      if (!final) return
      this.completed++
      this.lastAt = performance.now()
      if (this.completed === this.expected) this.resolve()
    })
  }

  /** Waits for every expected completion; false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean> {
    return within(this.done, timeoutMs)
  }

  /** Count problems: completions missing or extra, and any failed attempt (a no-op handler never fails). */
  problems(): string[] {
    const out = [...this.failures]
    if (this.completed !== this.expected) out.push(`${this.completed} of ${this.expected} executions completed`)
    return out
  }
}

/** Problems when a handler did not run exactly once per event (`calls[seq]` counts its runs). */
export function exactlyOnce(calls: Uint32Array, what: string): string[] {
  let never = 0
  let repeated = 0
  for (const c of calls) {
    if (c === 0) never++
    else if (c > 1) repeated++
  }
  const out: string[] = []
  if (never) out.push(`${what}: ${never} of ${calls.length} events never reached their handler`)
  if (repeated) out.push(`${what}: ${repeated} events reached their handler more than once`)
  return out
}
