import type { Runtime } from '../../src/runtime/runtime.js'
import { within } from './timing.js'

/** A chain of `count` function steps `s1 → s2 → …`, each calling `fn`. */
export function chainDefinition(id: string, count: number, fn: string) {
  return {
    id,
    name: id,
    version: 1,
    steps: Array.from({ length: count }, (_, i) => ({
      id: `s${i + 1}`,
      type: 'action',
      action: fn,
      ...(i + 1 < count ? { next_steps: [`s${i + 2}`] } : {}),
    })),
  }
}

/**
 * Counts workflow executions whose last step settled (its completion commits in the same
 * transaction as the execution's), keeping when each did.
 */
export class WorkflowSettlement {
  readonly completedAt = new Map<string, number>()
  lastAt = Number.NaN
  readonly failures: string[] = []
  private waiters: { count: number; resolve: () => void }[] = []

  constructor(runtime: Runtime, lastStep: string) {
    runtime.onSettled((item, ok, final) => {
      const id = item.execution.workflow_execution_id
      if (!ok) {
        if (this.failures.length < 5) this.failures.push(`step ${item.execution.step_key ?? '?'} of ${id ?? '?'} failed`)
        return
      }
      if (!final || !id || item.execution.step_key !== lastStep) return
      if (this.completedAt.has(id)) {
        if (this.failures.length < 5) this.failures.push(`the last step of ${id} settled twice`)
        return
      }
      this.lastAt = performance.now()
      this.completedAt.set(id, this.lastAt)
      this.waiters = this.waiters.filter((w) => (this.completedAt.size >= w.count ? (w.resolve(), false) : true))
    })
  }

  /** Waits until `count` executions have completed in all; false after `timeoutMs`. */
  wait(count: number, timeoutMs: number): Promise<boolean> {
    if (this.completedAt.size >= count) return Promise.resolve(true)
    return within(new Promise<void>((resolve) => this.waiters.push({ count, resolve })), timeoutMs)
  }

  problems(expected: number): string[] {
    const out = [...this.failures]
    if (this.completedAt.size !== expected) out.push(`${this.completedAt.size} of ${expected} workflow executions completed`)
    return out
  }
}
