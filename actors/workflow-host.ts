import type SQLite from 'better-sqlite3'
import { effectsOf } from '../machines/workflow-effects.js'
import { restoreSnapshot, type PersistedWorkflowSnapshot, type WorkflowSnapshot } from '../machines/workflow-snapshot.js'
import type { WorkflowEvent } from '../machines/workflow-types.js'
import type { ExecutionOutcome } from '../src/executors/types.js'
import type { EventRecord } from '../src/model/event.js'
import type { Logger } from '../src/runtime/logger.js'
import type { RetryDefaults } from '../src/runtime/router.js'
import type { Db } from '../src/store/database.js'
import type { EventRow } from '../src/store/repositories/events.js'
import { CheckpointError, openCheckpoint, type CheckpointCipher } from '../src/workflow/checkpoint-crypto.js'
import type { WorkItem } from './ingest.js'
import { SlotReservations, type Slots } from './routing.js'
import type { DueSource } from './wakeups.js'
import { handOver } from './workflow-handover.js'
import { WorkflowMachines, type CompiledWorkflow } from './workflow-machines.js'
import { checkpointColumns, SnapshotCache } from './workflow-snapshots.js'
import { WorkflowStatements } from './workflow-statements.js'
import { matchWaits, timerSource } from './workflow-triggers.js'
import {
  anchorEvent,
  anchorEventRow,
  COMPENSATION_KIND,
  emptyAfterCommit,
  FINAL_STATUSES,
  performEffect,
  STEP_KIND,
  subflowId,
  type AfterCommit,
  type Feed,
  type PerformDeps,
  type WorkflowExecutionRow,
} from './workflow-perform.js'

export interface WorkflowHostDeps {
  db: Db
  /** The connection under `db`: the host's hot statements run prepared on it, inside `db`'s transactions. */
  sqlite: SQLite.Database
  runtimeId: string
  defaults: RetryDefaults
  log: Logger
  cipher: CheckpointCipher | null
  /** Publishes committed events on NATS (the runtime's publisher). */
  publish(rows: EventRow[]): void
  /** Tells running runtimes to look at the database (used when this one does not run). */
  wake(): void
}

/** While started: where step runs and timer times go. */
export interface HostAttachment {
  dispatch(items: WorkItem[]): void
  /** The dispatcher's slots: step runs decided in its finish transaction are stored claimed. */
  slots?: Slots
  notifyTimer(at: number): void
}

export interface NewExecution {
  id: string
  compiled: CompiledWorkflow & { version: number }
  input: Record<string, unknown>
  trigger: EventRecord | null
  parent?: { id: string; stepId: string; key: string }
}

interface Loaded {
  row: WorkflowExecutionRow
  compiled: CompiledWorkflow
  snapshot: WorkflowSnapshot
}

/**
 * Drives workflow executions durably. Every change goes through `apply` inside a write
 * transaction: load the checkpoint, `transition()`, perform the effects as rows, store the new
 * checkpoint, all in that transaction; what needs the commit (dispatching steps, publishing emitted
 * events, arming the timer) follows it and is safe to repeat. Nothing is held in memory between
 * transactions, so a waiting execution costs a row, and any runtime can take the next event.
 */
export class WorkflowHost {
  readonly machines = new WorkflowMachines()
  private attachment: HostAttachment | null = null
  private readonly settling = new Set<Promise<void>>()
  /**
   * LRU: when more executions run than it holds, round-robin step results evict every entry
   * before its next use (W2's 2,000 at once missed nearly always with 1,000). A few hundred bytes of
   * checkpoint each.
   */
  private readonly restored = new SnapshotCache(10_000)
  private prepared: WorkflowStatements | null = null
  private perform: PerformDeps | null = null

  constructor(private readonly deps: WorkflowHostDeps) {}

  /** Prepared on first use: the tables exist once the runtime has migrated the store. */
  private get statements(): WorkflowStatements {
    return (this.prepared ??= new WorkflowStatements(this.deps.sqlite))
  }

  attach(attachment: HostAttachment | null): void {
    this.attachment = attachment
    this.perform = null
  }

  /** Waits for the post-commit hand-overs in progress (stop()). */
  async idle(): Promise<void> {
    while (this.settling.size) await Promise.allSettled([...this.settling])
  }

  private performDeps(): PerformDeps {
    return (this.perform ??= {
      defaults: this.deps.defaults,
      leaseOwner: this.attachment ? this.deps.runtimeId : null,
      statements: this.statements,
      startSubflow: async (trx, parent, effect, out, queue) => {
        let compiled
        try {
          compiled = await this.machines.load(trx, effect.workflowId, effect.version)
        } catch {
          return null
        }
        const input = (effect.input && typeof effect.input === 'object' && !Array.isArray(effect.input) ? effect.input : {}) as Record<string, unknown>
        const id = subflowId(parent.id, effect.key)
        await this.create(trx, { id, compiled, input, trigger: null, parent: { id: parent.id, stepId: effect.stepId, key: effect.key } }, out, queue)
        return id
      },
    })
  }

  /** Creates an execution and takes its first transition, in `trx`: its row as stored; null when the id exists. */
  async create(trx: Db, x: NewExecution, out: AfterCommit, queue: Feed[] = [], loaded = new Map<string, Loaded>()): Promise<WorkflowExecutionRow | null> {
    const now = Date.now()
    const iso = new Date(now).toISOString()
    const row: WorkflowExecutionRow = {
      id: x.id,
      workflow_id: x.compiled.definition.id,
      workflow_version: x.compiled.version,
      status: 'running',
      input: JSON.stringify(x.input),
      output: null,
      error: null,
      checkpoint: null,
      trigger_event_id: x.trigger?.id ?? null,
      created_at: iso,
      updated_at: iso,
      completed_at: null,
      parent_execution_id: x.parent?.id ?? null,
      parent_step_id: x.parent?.stepId ?? null,
      parent_key: x.parent?.key ?? null,
    }
    const start = { input: x.input, event: x.trigger ? (JSON.parse(JSON.stringify(x.trigger)) as Record<string, unknown>) : null }
    const [snapshot, actions] = x.compiled.stepper.start(start)
    const entry = { row, compiled: x.compiled, snapshot }
    // Inserted with its first checkpoint: no second write of the row.
    Object.assign(row, checkpointColumns(entry.compiled.machine, entry.snapshot, this.deps.cipher, iso))
    if (!this.statements.insertExecution(row)) return null
    this.statements.insertAnchor(anchorEventRow(anchorEvent(row)))
    loaded.set(row.id, entry)
    this.remember(entry)
    for (const effect of effectsOf(x.compiled.definition, actions)) await performEffect(trx, this.performDeps(), row, effect, now, out, queue)
    if (queue.length) await this.apply(trx, queue.splice(0), out, loaded)
    return row
  }

  /**
   * Feeds events to executions in `trx`. Effects may feed more (a finished subflow reports to its
   * parent, an emit compensation completes at once); they are applied in the same transaction.
   */
  async apply(trx: Db, feeds: Feed[], out: AfterCommit, loaded = new Map<string, Loaded>()): Promise<void> {
    const queue = [...feeds]
    const dirty = new Set<Loaded>()
    await this.feed(trx, queue, dirty, Date.now(), out, loaded)
    const iso = new Date().toISOString()
    for (const entry of dirty) this.store(entry, iso)
  }

  private async feed(trx: Db, queue: Feed[], dirty: Set<Loaded>, now: number, out: AfterCommit, loaded: Map<string, Loaded>): Promise<void> {
    while (queue.length) {
      const feed = queue.shift()!
      const entry = loaded.get(feed.executionId) ?? (await this.load(trx, feed.executionId))
      if (!entry) continue
      loaded.set(feed.executionId, entry)
      let next: WorkflowSnapshot
      let actions: Parameters<typeof effectsOf>[1]
      try {
        ;[next, actions] = entry.compiled.stepper.next(entry.snapshot, feed.event)
      } catch (err) {
        await this.markFailed(trx, entry.row, `the workflow machine failed on ${feed.event.type}: ${(err as Error).message}`)
        loaded.delete(feed.executionId)
        dirty.delete(entry)
        continue
      }
      for (const effect of effectsOf(entry.compiled.definition, actions)) await performEffect(trx, this.performDeps(), entry.row, effect, now, out, queue)
      entry.snapshot = next
      dirty.add(entry)
    }
  }

  /**
   * Reads and authenticates a checkpoint; an unreadable one fails its execution and nothing else.
   * The row is always read; its snapshot is restored again only when the stored checkpoint is not
   * the one this host last wrote or restored for it (another runtime, a rolled-back write).
   */
  private async load(trx: Db, id: string): Promise<Loaded | null> {
    const row = this.statements.execution(id)
    if (!row || FINAL_STATUSES.has(row.status) || !row.checkpoint) return null
    const compiled = await this.machines.load(trx, row.workflow_id, row.workflow_version)
    const kept = this.restored.get(id, row.checkpoint, compiled.machine)
    if (kept) return { row, compiled, snapshot: kept }
    try {
      const persisted = JSON.parse(openCheckpoint(row.checkpoint, this.deps.cipher)) as PersistedWorkflowSnapshot
      const entry = { row, compiled, snapshot: restoreSnapshot(compiled.machine, persisted) }
      this.remember(entry)
      return entry
    } catch (err) {
      const reason = err instanceof CheckpointError ? err.message : `checkpoint is unreadable (tampered with, or from another definition): ${(err as Error).message}`
      await this.markFailed(trx, row, reason)
      return null
    }
  }

  /**
   * Keeps the snapshot that `row.checkpoint` restores to while steps run (their results come soon);
   * a waiting execution stays a row only.
   */
  private remember({ row, compiled, snapshot }: Loaded): void {
    if (!row.checkpoint || row.status !== 'running') this.restored.delete(row.id)
    else this.restored.set(row.id, { checkpoint: row.checkpoint, machine: compiled.machine, snapshot })
  }

  private async markFailed(trx: Db, row: WorkflowExecutionRow, reason: string): Promise<void> {
    this.deps.log.error('workflow execution failed', { execution: row.id, reason })
    this.restored.delete(row.id)
    const now = new Date().toISOString()
    await trx.updateTable('workflow_executions').set({ status: 'failed', error: reason, completed_at: now, updated_at: now }).where('id', '=', row.id).execute()
  }

  private store(entry: Loaded, iso: string): void {
    const changes = checkpointColumns(entry.compiled.machine, entry.snapshot, this.deps.cipher, iso)
    this.statements.storeCheckpoint(entry.row.id, changes)
    // The row in memory is the stored one again (a start returns its view from it).
    Object.assign(entry.row, changes)
    this.remember(entry)
  }

  /**
   * The dispatcher's hook, inside its finish transaction: final outcomes of workflow steps and
   * compensations are fed to their executions, so a step's completion and the next step's start
   * commit together.
   */
  async onRunsSettled(trx: Db, runs: { item: WorkItem; outcome: ExecutionOutcome }[]): Promise<void> {
    const feeds: Feed[] = []
    for (const { item, outcome } of runs) {
      const { workflow_execution_id: executionId, step_key: key, subscription_kind: kind } = item.execution
      if (!executionId || !key) continue
      const stepId = key.split('.').at(-1)!.replace(/\[\d+\]$/, '')
      let event: WorkflowEvent
      if (kind === STEP_KIND) {
        event = outcome.ok ? { type: 'STEP.COMPLETED', stepId, key, output: outcome.output ?? null } : { type: 'STEP.FAILED', stepId, key, error: outcome.error, retryable: false }
      } else if (kind === COMPENSATION_KIND) {
        event = outcome.ok ? { type: 'COMPENSATION.COMPLETED', stepId, key, output: outcome.output ?? null } : { type: 'COMPENSATION.FAILED', stepId, key, error: outcome.error }
      } else continue
      feeds.push({ executionId, event })
    }
    if (feeds.length) await this.applyThenSettle(trx, feeds)
  }

  /** The routing hook: events routed in `trx` resume the executions waiting for them. */
  async onEventsRouted(trx: Db, events: EventRecord[]): Promise<void> {
    const feeds = await matchWaits(trx, events)
    if (feeds.length) await this.applyThenSettle(trx, feeds)
  }

  /** Applies in the caller's transaction; the hand-over runs once that transaction has ended. */
  async applyThenSettle(trx: Db, feeds: Feed[]): Promise<void> {
    const out = emptyAfterCommit()
    const slots = this.attachment?.slots
    if (slots) out.claims = new SlotReservations(slots)
    try {
      await this.apply(trx, feeds, out)
    } finally {
      // Also after a failure: only rows that exist once the transaction ended are handed over, and
      // every slot reserved for a row that does not is given back.
      this.settle(out)
    }
  }

  /** After the commit: the hand-over of `out` (see `handOver`); `idle()` waits for it. */
  settle(out: AfterCommit): void {
    if (!out.steps.length && !out.emitted.length && !out.timers.length) {
      out.claims?.release()
      return
    }
    const run = handOver(out, { ...this.deps, attachment: this.attachment }).catch((err: unknown) => this.deps.log.warn('workflow host: hand-over after commit failed; step runs leased to this runtime wait for its restart (recovery takes the leases of dead runtimes only)', { error: String(err) }))
    this.settling.add(run)
    void run.finally(() => this.settling.delete(run))
  }

  /** Durable timers: at their time, TIMER.FIRED in the transaction that removes them. */
  timerSource(): DueSource {
    return timerSource(this.deps.db, (trx, feeds, out) => this.apply(trx, feeds, out), (out) => this.settle(out))
  }
}
