import { executionSnapshot, stepExecution } from '../machines/execution.js'
import type { ExecutionOutcome } from '../src/executors/types.js'
import { newId } from '../src/model/ids.js'
import type { RetryPolicy } from '../src/model/retry-policy.js'
import type { Db } from '../src/store/database.js'
import type { HotPath } from '../src/store/hot-path.js'
import type { WorkItem } from './ingest.js'

export interface FinishedAttempt {
  item: WorkItem
  attempt: number
  startedAt: number
  finishedAt: number
  outcome: ExecutionOutcome
  /** Aborted by a stop past its drain timeout: not the work's failure, so it runs again elsewhere. */
  interrupted: boolean
}

export type WorkflowRunsHook = (trx: Db, runs: { item: WorkItem; outcome: ExecutionOutcome }[]) => Promise<void>

/**
 * Records a batch of attempt results inside the caller's transaction: one attempt row each; the
 * execution completed, retrying at a time the lifecycle machine decided, failed into the dead
 * letters, or released (interrupted); its event settled; workflow step runs handed to their host.
 * Returns the retry times to arm and what settled, to announce after the commit.
 */
export async function recordAttemptResults(
  trx: Db,
  hot: HotPath,
  batch: readonly FinishedAttempt[],
  runtimeId: string,
  onWorkflowRuns: WorkflowRunsHook | undefined,
): Promise<{ retries: number[]; settled: { f: FinishedAttempt; final: boolean }[] }> {
  const retries: number[] = []
  const settled: { f: FinishedAttempt; final: boolean }[] = []
  const workflowRuns: { item: WorkItem; outcome: ExecutionOutcome }[] = []
  const toSettle = new Map<string, { n: number; failed: number }>()
  const settle = (eventId: string, failed: boolean) => {
    const c = toSettle.get(eventId)
    if (c) {
      c.n++
      if (failed) c.failed++
    } else toSettle.set(eventId, { n: 1, failed: failed ? 1 : 0 })
  }
  const now = new Date().toISOString()
  for (const f of batch) {
    hot.insertAttempt({
      executionId: f.item.execution.id,
      attempt: f.attempt,
      runtimeId,
      outcome: f.interrupted ? 'interrupted' : f.outcome.ok ? 'succeeded' : 'failed',
      error: f.outcome.ok ? null : f.outcome.error,
      details: f.outcome.details ? JSON.stringify(f.outcome.details) : null,
      startedAt: new Date(f.startedAt).toISOString(),
      finishedAt: new Date(f.finishedAt).toISOString(),
      durationMs: f.finishedAt - f.startedAt,
    })
  }
  for (const f of batch) {
    const id = f.item.execution.id
    const duration = f.finishedAt - f.startedAt
    if (f.interrupted) {
      // Released as after a crash: the next runtime runs it again at once, under the same idempotency key.
      await trx
        .updateTable('event_executions')
        .set({ status: 'pending', lease_owner: null, error: f.outcome.ok ? null : f.outcome.error, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .execute()
      continue
    }
    if (f.outcome.ok) {
      // running -> completed has no guard and no effect but `settle`: taken directly on this hot path.
      hot.complete(id, now, duration, f.outcome.output === undefined ? null : JSON.stringify(f.outcome.output))
      if (f.item.execution.workflow_execution_id) workflowRuns.push({ item: f.item, outcome: f.outcome })
      else settle(f.item.event.id, false)
      settled.push({ f, final: true })
      continue
    }
    const policy = JSON.parse(f.item.execution.retry_policy) as RetryPolicy
    const step = stepExecution(executionSnapshot('running', f.attempt, policy), {
      type: 'FAILED',
      error: f.outcome.error,
      retryable: f.outcome.retryable,
      retryAfterMs: f.outcome.retryAfterMs,
      now: f.finishedAt,
      random: Math.random(),
    })
    if (step.state === 'retrying') {
      const at = step.retryAt!
      await trx
        .updateTable('event_executions')
        .set({ status: 'retrying', next_attempt_at: new Date(at).toISOString(), lease_owner: null, error: f.outcome.error, duration_ms: duration, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .execute()
      retries.push(at)
      settled.push({ f, final: false })
    } else {
      await trx
        .updateTable('event_executions')
        .set({ status: 'failed', completed_at: now, lease_owner: null, error: f.outcome.error, duration_ms: duration, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .execute()
      if (f.item.execution.workflow_execution_id) {
        workflowRuns.push({ item: f.item, outcome: f.outcome })
        settled.push({ f, final: true })
        continue
      }
      await trx
        .insertInto('dead_letters')
        .values({
          id: newId('dlq'),
          kind: 'execution',
          execution_id: id,
          event_id: f.item.event.id,
          subject: null,
          payload: null,
          reason: step.deadLetterReason ?? f.outcome.error,
          created_at: now,
        })
        .execute()
      settle(f.item.event.id, true)
      settled.push({ f, final: true })
    }
  }
  for (const [eventId, c] of toSettle) hot.settleEvent(eventId, c.n, c.failed, now)
  if (workflowRuns.length) await onWorkflowRuns?.(trx, workflowRuns)
  return { retries, settled }
}
