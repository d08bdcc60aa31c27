import { z } from 'zod'
import type { WorkflowHost } from '../../actors/workflow-host.js'
import { WorkflowStarts } from '../../actors/workflow-starts.js'
import { anchorEventId, emptyAfterCommit, FINAL_STATUSES, type WorkflowExecutionRow } from '../../actors/workflow-perform.js'
import { ConflictError, NotFoundError, parseInput } from '../errors.js'
import { eventIdSchema } from '../model/event.js'
import { newId } from '../model/ids.js'
import type { Db } from '../store/database.js'
import { parseJson } from '../store/json.js'
import { writeTransaction } from '../store/transaction.js'
import { openCheckpoint, type CheckpointCipher } from '../workflow/checkpoint-crypto.js'
import { audit } from './audit.js'
import type { StartWorkflowOptions, WorkflowExecutionStatus, WorkflowExecutionView, WorkflowsApi, WorkflowStepView } from './workflows-types.js'

const STATUSES = ['running', 'waiting', 'completed', 'failed', 'compensated', 'compensation_failed', 'cancelled'] as const
const startOptionsSchema = z.strictObject({
  version: z.number().int().min(1).optional(),
  executionId: eventIdSchema.refine((id) => id.length <= 150, 'must be at most 150 characters').optional(),
  triggerEventId: eventIdSchema.optional(),
})
const listSchema = z.strictObject({
  workflow_id: z.string().min(1).optional(),
  status: z.enum(STATUSES).optional(),
  limit: z.number().int().min(1).max(10_000).default(100),
})

export interface WorkflowExecutionsDeps {
  db: Db
  host: WorkflowHost
  cipher: CheckpointCipher | null
  actor: string
}

export type WorkflowExecutionsApi = Pick<WorkflowsApi, 'start' | 'getExecution' | 'listExecutions' | 'cancel'>

/** The executions half of `runtime.workflows`. */
export class WorkflowExecutions implements WorkflowExecutionsApi {
  private readonly starts: WorkflowStarts<WorkflowExecutionView>

  constructor(private readonly deps: WorkflowExecutionsDeps) {
    this.starts = new WorkflowStarts({ db: deps.db, host: deps.host, actor: deps.actor, views: (trx, rows) => this.views(rows, trx) })
  }

  /**
   * Stores the execution with its first transition and effects, then hands the first steps over
   * (to this runtime when it runs, else a wake-up for the one that does). Starts made in one
   * event-loop turn share one transaction (`WorkflowStarts`). With `executionId`, starting an
   * existing execution returns it unchanged.
   */
  async start(workflowId: string, input?: unknown, options: StartWorkflowOptions = {}): Promise<WorkflowExecutionView> {
    const o = parseInput(startOptionsSchema, options, 'options')
    const id = o.executionId ?? newId('wfx')
    const outcome = await this.starts.start({ id, workflowId, version: o.version, input, triggerEventId: o.triggerEventId })
    return outcome.created ? outcome.view : this.getExecution(id)
  }

  /** Stops an execution (compensating its completed steps when asked); a finished one is a conflict. */
  async cancel(executionId: string, options: { compensate?: boolean } = {}): Promise<WorkflowExecutionView> {
    const { db, host } = this.deps
    const out = emptyAfterCommit()
    await writeTransaction(db, async (trx) => {
      const row = await trx.selectFrom('workflow_executions').select('status').where('id', '=', executionId).executeTakeFirst()
      if (!row) throw new NotFoundError('workflow execution', executionId)
      if (FINAL_STATUSES.has(row.status)) throw new ConflictError(`workflow execution "${executionId}" is already ${row.status}: nothing to cancel`)
      await host.apply(trx, [{ executionId, event: { type: 'CANCEL', compensate: options.compensate === true, reason: `cancelled by ${this.deps.actor}` } }], out)
    })
    host.settle(out)
    await audit(db, this.deps.actor, 'workflow.cancel', { type: 'workflow_execution', id: executionId }, { compensate: options.compensate === true })
    return this.getExecution(executionId)
  }

  async getExecution(executionId: string): Promise<WorkflowExecutionView> {
    const row = await this.deps.db.selectFrom('workflow_executions').selectAll().where('id', '=', executionId).executeTakeFirst()
    if (!row) throw new NotFoundError('workflow execution', executionId)
    return (await this.views([row]))[0]!
  }

  async listExecutions(filter: { workflow_id?: string; status?: WorkflowExecutionStatus; limit?: number } = {}): Promise<WorkflowExecutionView[]> {
    const f = parseInput(listSchema, filter, 'filter')
    let q = this.deps.db.selectFrom('workflow_executions').selectAll()
    if (f.workflow_id) q = q.where('workflow_id', '=', f.workflow_id)
    if (f.status) q = q.where('status', '=', f.status)
    return this.views(await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute())
  }

  private async views(rows: WorkflowExecutionRow[], db: Db = this.deps.db): Promise<WorkflowExecutionView[]> {
    if (rows.length === 0) return []
    const ids = rows.map((r) => r.id)
    const runs = await db
      .selectFrom('event_executions')
      .select(['event_id', 'step_key', 'status', 'attempts', 'started_at', 'completed_at', 'duration_ms', 'error', 'subscription_kind'])
      .where('event_id', 'in', ids.map(anchorEventId))
      .where('subscription_kind', '=', 'workflow_step')
      .orderBy('created_at')
      .execute()
    const timers = await db.selectFrom('workflow_timers').selectAll().where('execution_id', 'in', ids).orderBy('due_at').execute()
    const waits = await db.selectFrom('workflow_waits').selectAll().where('execution_id', 'in', ids).execute()
    // Grouped once: a batch of starts or a long list would otherwise scan every run per execution.
    const runsOf = groupBy(runs, (r) => r.event_id)
    const waitOf = firstBy(waits, (w) => w.execution_id)
    const timerOf = firstBy(timers, (t) => t.execution_id)
    return rows.map((row) => {
      const steps: WorkflowStepView[] = (runsOf.get(anchorEventId(row.id)) ?? [])
        .map((r) => ({
          step_id: r.step_key!.split('.').at(-1)!,
          key: r.step_key!,
          status: r.status === 'completed' || r.status === 'failed' || r.status === 'cancelled' ? r.status : 'running',
          attempts: r.attempts,
          started_at: r.started_at,
          completed_at: r.completed_at,
          duration_ms: r.duration_ms,
          error: r.error,
        }))
      const wait = waitOf.get(row.id)
      const timer = timerOf.get(row.id)
      const waitingFor = wait
        ? { kind: 'event' as const, step_id: wait.step_id, until: timer?.due_at ?? null, event_type: wait.event_type }
        : timer
          ? { kind: 'timer' as const, step_id: timer.step_id, until: timer.due_at }
          : null
      return {
        id: row.id,
        workflow_id: row.workflow_id,
        workflow_version: row.workflow_version,
        status: row.status as WorkflowExecutionStatus,
        state: this.stateOf(row),
        input: parseJson<Record<string, unknown>>(row.input, 'workflow_executions.input') ?? {},
        output: parseJson(row.output, 'workflow_executions.output'),
        error: row.error,
        waiting_for: waitingFor,
        steps,
        trigger_event_id: row.trigger_event_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
        completed_at: row.completed_at,
      }
    })
  }

  /** The machine's state value; null when the checkpoint cannot be read here. */
  private stateOf(row: WorkflowExecutionRow): unknown {
    if (!row.checkpoint) return null
    try {
      return (JSON.parse(openCheckpoint(row.checkpoint, this.deps.cipher)) as { value?: unknown }).value ?? null
    } catch {
      return null
    }
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = out.get(k)
    if (list) list.push(item)
    else out.set(k, [item])
  }
  return out
}

function firstBy<T>(items: T[], key: (item: T) => string): Map<string, T> {
  const out = new Map<string, T>()
  for (const item of items) if (!out.has(key(item))) out.set(key(item), item)
  return out
}
