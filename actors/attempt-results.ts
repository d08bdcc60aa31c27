import { executionSnapshot, stepExecution } from '../machines/execution.js'
import type { ExecutionOutcome } from '../src/executors/types.js'
import { newId } from '../src/model/ids.js'
import type { RetryPolicy } from '../src/model/retry-policy.js'
import type { Db } from '../src/store/database.js'
import { settleExecutions } from '../src/store/repositories/events.js'
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
  batch: readonly FinishedAttempt[],
  runtimeId: string,
  onWorkflowRuns: WorkflowRunsHook | undefined,
): Promise<{ retries: number[]; settled: { f: FinishedAttempt; final: boolean }[] }> {
  const retries: number[] = []
  const settled: { f: FinishedAttempt; final: boolean }[] = []
  const workflowRuns: { item: WorkItem; outcome: ExecutionOutcome }[] = []
  const toSettle: { eventId: string; failed: boolean }[] = []
  const plainSuccesses: string[] = []
  const now = new Date().toISOString()
  await trx
    .insertInto('execution_attempts')
    .values(
      batch.map((f) => ({
        execution_id: f.item.execution.id,
        attempt: f.attempt,
        runtime_id: runtimeId,
        outcome: f.interrupted ? 'interrupted' : f.outcome.ok ? 'succeeded' : 'failed',
        error: f.outcome.ok ? null : f.outcome.error,
        details: f.outcome.details ? JSON.stringify(f.outcome.details) : null,
        started_at: new Date(f.startedAt).toISOString(),
        finished_at: new Date(f.finishedAt).toISOString(),
        duration_ms: f.finishedAt - f.startedAt,
      })),
    )
    .execute()
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
      if (f.outcome.output === undefined) plainSuccesses.push(id)
      else await trx
        .updateTable('event_executions')
        .set({
          status: 'completed',
          completed_at: now,
          duration_ms: duration,
          output: f.outcome.output === undefined ? null : JSON.stringify(f.outcome.output),
          error: null,
          lease_owner: null,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .execute()
      if (f.item.execution.workflow_execution_id) workflowRuns.push({ item: f.item, outcome: f.outcome })
      else toSettle.push({ eventId: f.item.event.id, failed: false })
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
      toSettle.push({ eventId: f.item.event.id, failed: true })
      settled.push({ f, final: true })
    }
  }
  // Successes without output in one statement; the duration is the attempt row's just written.
  for (let i = 0; i < plainSuccesses.length; i += 500) {
    await trx
      .updateTable('event_executions')
      .set((eb) => ({
        status: 'completed',
        completed_at: now,
        duration_ms: eb
          .selectFrom('execution_attempts')
          .select('execution_attempts.duration_ms')
          .whereRef('execution_attempts.execution_id', '=', 'event_executions.id')
          .orderBy('execution_attempts.id', 'desc')
          .limit(1),
        output: null,
        error: null,
        lease_owner: null,
        updated_at: now,
      }))
      .where('id', 'in', plainSuccesses.slice(i, i + 500))
      .where('status', '=', 'running')
      .execute()
  }
  await settleExecutions(trx, toSettle, now)
  if (workflowRuns.length) await onWorkflowRuns?.(trx, workflowRuns)
  return { retries, settled }
}
