import { executionSnapshot, stepExecution } from '../machines/execution.js'
import type { ExecutionOutcome, Executor } from '../src/executors/types.js'
import type { ExecutorType } from '../src/model/handler.js'
import { newId } from '../src/model/ids.js'
import type { RetryPolicy } from '../src/model/retry-policy.js'
import type { Logger } from '../src/runtime/logger.js'
import type { Db } from '../src/store/database.js'
import { settleExecutions } from '../src/store/repositories/events.js'
import { writeTransaction } from '../src/store/transaction.js'
import type { WorkItem } from './ingest.js'
import { WorkQueue } from './work-queue.js'

export interface DispatcherDeps {
  db: Db
  runtimeId: string
  log: Logger
  executors: ReadonlyMap<ExecutorType, Executor>
  /** maxConcurrency per executor pool. */
  poolLimits: Readonly<Record<ExecutorType, number>>
  /** processing.maxConcurrentEvents: running executions across all pools. */
  maxConcurrent: number
  /** Queued executions above which ingest stops pulling (priority is honoured within this window). */
  highWater: number
  /** A retry is due at `at` (epoch ms): the wake-up timer re-arms when it is earlier. */
  onRetryScheduled(at: number): void
  /** The queue fell below half the high-water mark. */
  onRoom(): void
  /**
   * An attempt's result was committed (for waiters, metrics and delivery events); `final`: no
   * attempt follows. `attempt` is 1 for the first.
   */
  onSettled?(item: WorkItem, outcome: ExecutionOutcome, final: boolean, attempt: number): void
  /**
   * Final outcomes of workflow step runs (rows with a `workflow_execution_id`), inside the finish
   * transaction: the workflow host records them and decides the next steps in the same commit.
   * Such runs never go to the dead letters: their workflow decides what a failure means.
   */
  onWorkflowRuns?(trx: Db, runs: { item: WorkItem; outcome: ExecutionOutcome }[]): Promise<void>
}

interface Finished {
  item: WorkItem
  attempt: number
  startedAt: number
  finishedAt: number
  outcome: ExecutionOutcome
  /** Aborted by a stop past its drain timeout: not the work's failure, so it runs again elsewhere. */
  interrupted: boolean
}

/**
 * Feeds queued executions to the executor pools: the highest priority first, each pool within its
 * maxConcurrency and all within maxConcurrentEvents. An attempt's start is committed before the
 * work runs (so every attempt is counted, even one cut short by a crash) and its result after; both
 * writes are batched per event-loop turn.
 */
export class Dispatcher {
  private readonly queue = new WorkQueue()
  private readonly running = new Map<ExecutorType, number>()
  private runningTotal = 0
  private toStart: WorkItem[] = []
  private finished: Finished[] = []
  private startFlush: Promise<void> | null = null
  private finishFlush: Promise<void> | null = null
  private readonly inFlight = new Set<Promise<void>>()
  private readonly aborts = new Set<AbortController>()
  private accepting = true
  private pumping = false
  private abortedForStop = false

  constructor(private readonly deps: DispatcherDeps) {}

  get queued(): number {
    return this.queue.size
  }

  get active(): number {
    return this.runningTotal
  }

  hasRoom(): boolean {
    return this.queue.size < this.deps.highWater
  }

  enqueue(items: WorkItem[]): void {
    if (!this.accepting) return
    for (const item of items) this.queue.push(item)
    this.pump()
  }

  private hasSlot = (type: ExecutorType): boolean =>
    this.runningTotal < this.deps.maxConcurrent && (this.running.get(type) ?? 0) < (this.deps.poolLimits[type] ?? 1)

  private pump(): void {
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.accepting) {
        const item = this.queue.take(this.hasSlot)
        if (!item) break
        const type = item.execution.executor_type as ExecutorType
        this.running.set(type, (this.running.get(type) ?? 0) + 1)
        this.runningTotal++
        this.toStart.push(item)
      }
    } finally {
      this.pumping = false
    }
    if (this.toStart.length && !this.startFlush) {
      this.startFlush = new Promise((resolve) => setImmediate(resolve)).then(() => this.flushStarts())
    }
    if (this.queue.size < this.deps.highWater / 2) this.deps.onRoom()
  }

  private release(item: WorkItem): void {
    const type = item.execution.executor_type as ExecutorType
    this.running.set(type, (this.running.get(type) ?? 1) - 1)
    this.runningTotal--
  }

  private async flushStarts(): Promise<void> {
    const batch = this.toStart
    this.toStart = []
    this.startFlush = null
    const now = new Date().toISOString()
    const claimed = new Map<string, number>()
    try {
      await writeTransaction(this.deps.db, async (trx) => {
        for (let i = 0; i < batch.length; i += 500) {
          const rows = await trx
            .updateTable('event_executions')
            .set((eb) => ({
              status: 'running',
              attempts: eb('attempts', '+', 1),
              lease_owner: this.deps.runtimeId,
              started_at: eb.fn.coalesce('started_at', eb.val(now)),
              updated_at: now,
            }))
            .where('id', 'in', batch.slice(i, i + 500).map((b) => b.execution.id))
            .where('status', '=', 'pending')
            .returning(['id', 'attempts'])
            .execute()
          for (const r of rows) claimed.set(r.id, r.attempts)
        }
      })
    } catch (err) {
      this.deps.log.error('dispatcher: cannot record attempt starts; the executions stay pending', { error: String(err) })
    }
    for (const item of batch) {
      const attempt = claimed.get(item.execution.id)
      if (attempt === undefined) {
        // Cancelled or taken by another runtime meanwhile.
        this.release(item)
        continue
      }
      const run = this.run(item, attempt)
      this.inFlight.add(run)
      void run.finally(() => this.inFlight.delete(run))
    }
    this.pump()
  }

  private async run(item: WorkItem, attempt: number): Promise<void> {
    const startedAt = Date.now()
    const controller = new AbortController()
    this.aborts.add(controller)
    let outcome: ExecutionOutcome
    try {
      outcome = await this.execute(item, attempt, controller.signal)
    } catch (err) {
      outcome = { ok: false, error: `runtime error: ${(err as Error).message}`, retryable: true }
    } finally {
      this.aborts.delete(controller)
    }
    this.release(item)
    const interrupted = this.abortedForStop && controller.signal.aborted && !outcome.ok
    this.finished.push({ item, attempt, startedAt, finishedAt: Date.now(), outcome, interrupted })
    if (!this.finishFlush) this.finishFlush = new Promise((resolve) => setImmediate(resolve)).then(() => this.flushFinished())
    this.pump()
    await this.finishFlush
  }

  private async execute(item: WorkItem, attempt: number, signal: AbortSignal): Promise<ExecutionOutcome> {
    const type = item.execution.executor_type as ExecutorType
    const executor = this.deps.executors.get(type)
    if (!executor) return { ok: false, error: `executor "${type}" is not available in this runtime`, retryable: false }
    let config: unknown
    try {
      config = executor.validateConfig(JSON.parse(item.execution.configuration))
    } catch (err) {
      return { ok: false, error: `invalid configuration: ${(err as Error).message}`, retryable: false }
    }
    // A workflow step's input is the data of its context event (its anchor event carries none).
    const stepInput = item.execution.step_input
    const event = stepInput == null ? item.event : { ...item.event, data: JSON.parse(stepInput) as Record<string, unknown> }
    return executor.execute(config, {
      executionId: item.execution.id,
      idempotencyKey: item.execution.idempotency_key,
      attempt,
      event,
      signal,
      timeoutMs: item.execution.timeout_ms ?? undefined,
    })
  }

  private async flushFinished(): Promise<void> {
    const batch = this.finished
    this.finished = []
    this.finishFlush = null
    const retries: number[] = []
    const settled: { f: Finished; final: boolean }[] = []
    const workflowRuns: { item: WorkItem; outcome: ExecutionOutcome }[] = []
    const toSettle: { eventId: string; failed: boolean }[] = []
    const plainSuccesses: string[] = []
    try {
      await writeTransaction(this.deps.db, async (trx) => {
        const now = new Date().toISOString()
        await trx
          .insertInto('execution_attempts')
          .values(
            batch.map((f) => ({
              execution_id: f.item.execution.id,
              attempt: f.attempt,
              runtime_id: this.deps.runtimeId,
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
        if (workflowRuns.length) await this.deps.onWorkflowRuns?.(trx, workflowRuns)
      })
    } catch (err) {
      // The attempts stay `running` under this runtime's lease; recovery re-runs them after a restart.
      this.deps.log.error('dispatcher: cannot record attempt results', { error: String(err), size: batch.length })
      return
    }
    for (const at of retries) this.deps.onRetryScheduled(at)
    for (const { f, final } of settled) this.deps.onSettled?.(f.item, f.outcome, final, f.attempt)
  }

  /**
   * Stops taking work and waits for running attempts to finish and be recorded. After
   * `timeoutMs` the running attempts are aborted (their signal fires) and waited for again.
   * Returns the executions that were queued but never started.
   */
  async drain(timeoutMs: number): Promise<WorkItem[]> {
    this.accepting = false
    const leftover = this.queue.clear()
    const all = async () => {
      while (this.inFlight.size || this.startFlush || this.finishFlush) {
        await Promise.allSettled([...this.inFlight, this.startFlush, this.finishFlush])
      }
    }
    let timer: NodeJS.Timeout | undefined
    const timedOut = await Promise.race([
      all().then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ])
    clearTimeout(timer)
    if (timedOut) {
      this.abortedForStop = true
      for (const c of this.aborts) c.abort(new Error('runtime stopping'))
      await all()
    }
    return leftover
  }
}
