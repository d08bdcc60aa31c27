import { setMaxListeners } from 'node:events'
import type { ExecutionOutcome, Executor } from '../src/executors/types.js'
import type { ExecutorType } from '../src/model/handler.js'
import type { Logger } from '../src/runtime/logger.js'
import type { Db } from '../src/store/database.js'
import type { HotPath } from '../src/store/hot-path.js'
import { writeTransaction } from '../src/store/transaction.js'
import type { WorkItem } from './ingest.js'
import { recordAttemptResults, type FinishedAttempt } from './attempt-results.js'
import { WorkQueue } from './work-queue.js'

export interface DispatcherDeps {
  db: Db
  hot: HotPath
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

type Finished = FinishedAttempt

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
  /** One signal for every running attempt: a stop past its drain timeout aborts them all at once. */
  private readonly stopping = new AbortController()
  private accepting = true
  private pumping = false
  private abortedForStop = false

  constructor(private readonly deps: DispatcherDeps) {
    // Every running attempt listens on it: no leak warning past 10 listeners.
    setMaxListeners(0, this.stopping.signal)
  }

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

  /**
   * Reserves a slot for an execution routing is about to store `running`: only when nothing is
   * queued (which would come first) and its pool has room. `runClaimed` uses the slot, `unclaim`
   * gives it back.
   */
  claim(type: ExecutorType): boolean {
    if (!this.accepting || this.queue.size > 0 || this.toStart.length > 0 || !this.hasSlot(type)) return false
    this.running.set(type, (this.running.get(type) ?? 0) + 1)
    this.runningTotal++
    return true
  }

  unclaim(type: ExecutorType): void {
    this.running.set(type, (this.running.get(type) ?? 1) - 1)
    this.runningTotal--
    this.pump()
  }

  /** Runs executions committed `running`, attempt 1, in slots reserved by `claim`. */
  runClaimed(items: WorkItem[]): void {
    for (const item of items) this.track(this.run(item, 1))
  }

  private track(run: Promise<void>): void {
    this.inFlight.add(run)
    void run.finally(() => this.inFlight.delete(run))
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
      await writeTransaction(this.deps.db, async () => {
        for (const b of batch) {
          const attempt = this.deps.hot.claim(b.execution.id, this.deps.runtimeId, now)
          if (attempt !== undefined) claimed.set(b.execution.id, attempt)
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
      this.track(this.run(item, attempt))
    }
    this.pump()
  }

  private async run(item: WorkItem, attempt: number): Promise<void> {
    const startedAt = Date.now()
    const signal = this.stopping.signal
    let outcome: ExecutionOutcome
    try {
      outcome = await this.execute(item, attempt, signal)
    } catch (err) {
      outcome = { ok: false, error: `runtime error: ${(err as Error).message}`, retryable: true }
    }
    this.release(item)
    const interrupted = this.abortedForStop && signal.aborted && !outcome.ok
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
    let recorded: Awaited<ReturnType<typeof recordAttemptResults>>
    try {
      recorded = await writeTransaction(this.deps.db, (trx) => recordAttemptResults(trx, this.deps.hot, batch, this.deps.runtimeId, this.deps.onWorkflowRuns))
    } catch (err) {
      // The attempts stay `running` under this runtime's lease; recovery re-runs them after a restart.
      this.deps.log.error('dispatcher: cannot record attempt results', { error: String(err), size: batch.length })
      return
    }
    for (const at of recorded.retries) this.deps.onRetryScheduled(at)
    for (const { f, final } of recorded.settled) this.deps.onSettled?.(f.item, f.outcome, final, f.attempt)
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
      this.stopping.abort(new Error('runtime stopping'))
      await all()
    }
    return leftover
  }
}
