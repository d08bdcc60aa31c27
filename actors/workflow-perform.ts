import { createHash } from 'node:crypto'
import type { Insertable } from 'kysely'
import type { WorkflowEffect } from '../machines/workflow-effects.js'
import type { WorkflowEvent } from '../machines/workflow-types.js'
import { getPath } from '../src/model/condition.js'
import { EVENT_PRIORITIES, PRIORITY_RANK, type EventPriority, type EventRecord } from '../src/model/event.js'
import type { ExecutorType } from '../src/model/handler.js'
import { newId } from '../src/model/ids.js'
import { resolveRetryPolicy, retryPolicySchema, type RetryPolicyInput } from '../src/model/retry-policy.js'
import type { RetryDefaults } from '../src/runtime/router.js'
import type { Db } from '../src/store/database.js'
import type { EventExecutionsTable, EventsTable, WorkflowExecutionsTable } from '../src/store/schema.js'
import type { Selectable } from 'kysely'
import type { WorkItem } from './ingest.js'
import type { SlotReservations } from './routing.js'
import type { WorkflowStatements } from './workflow-statements.js'

export type WorkflowExecutionRow = Selectable<WorkflowExecutionsTable>
type StepRunRow = Selectable<EventExecutionsTable>
export const STEP_KIND = 'workflow_step'
export const COMPENSATION_KIND = 'workflow_compensation'
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'compensated', 'compensation_failed', 'cancelled'])

/** An event for one execution's machine. */
export interface Feed {
  executionId: string
  event: WorkflowEvent
}

/** What to do once the transaction that decided it has committed (each is safe to do again). */
export interface AfterCommit {
  steps: WorkItem[]
  emitted: string[]
  timers: number[]
  /**
   * Pool slots of this runtime, when the caller settles `out` whatever happens (see
   * `applyThenSettle`): a step run that finds one is stored `running`, attempt 1, and starts after
   * the commit without the dispatcher's attempt-start transaction.
   */
  claims?: SlotReservations
  /** Ids of the step runs stored `running` under `claims`. */
  claimed?: Set<string>
}

export const emptyAfterCommit = (): AfterCommit => ({ steps: [], emitted: [], timers: [] })

/** Event ids allow letters, digits and `_ . : @ + -`: a loop key's `[2]` becomes `@2`. */
export function safeKey(key: string): string {
  return key.replace(/\[/g, '@').replace(/\]/g, '')
}

/** Each execution's steps hang off one event of its own (event_executions.event_id is NOT NULL). */
export const anchorEventId = (executionId: string): string => `wf:${executionId}`

export function anchorEvent(execution: Pick<WorkflowExecutionRow, 'id' | 'workflow_id' | 'workflow_version' | 'trigger_event_id' | 'created_at'>): EventRecord {
  return {
    id: anchorEventId(execution.id),
    name: `workflow ${execution.workflow_id}`,
    type: 'workflow.execution',
    priority: 'normal',
    data: {},
    metadata: { workflow_id: execution.workflow_id, workflow_version: execution.workflow_version, execution_id: execution.id },
    trigger_type: 'workflow',
    trigger_id: execution.trigger_event_id,
    status: 'completed',
    scheduled_at: null,
    created_at: execution.created_at,
    updated_at: execution.created_at,
    completed_at: execution.created_at,
    error: null,
  }
}

/** Stored completed and routed: it is never published nor routed, it only anchors the step rows. */
export function anchorEventRow(e: EventRecord): Insertable<EventsTable> {
  return {
    ...e,
    data: JSON.stringify(e.data),
    metadata: JSON.stringify(e.metadata),
    priority_rank: PRIORITY_RANK[e.priority],
    published_at: null,
    routed_at: e.created_at,
  }
}

/** The dotted paths of a wait (sorted) and the JSON of the values an event must have there. */
export function waitKey(match: Record<string, unknown>): { paths: string; key: string } {
  const paths = Object.keys(match).sort()
  return { paths: JSON.stringify(paths), key: JSON.stringify(paths.map((p) => match[p] ?? null)) }
}

export function eventKey(event: unknown, paths: string[]): string {
  return JSON.stringify(paths.map((p) => getPath(event, p) ?? null))
}

/** A subflow's execution id: derived from the parent's, so starting it again finds it. */
export const subflowId = (parentId: string, key: string): string => `${parentId}.${safeKey(key)}`

/** A workflow handler's execution id, derived from the handler execution's idempotency key. */
export function executionIdFor(idempotencyKey: string): string {
  return `wfx-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}`
}

export interface PerformDeps {
  defaults: RetryDefaults
  /** The lease for the step rows: this runtime when it runs them, null for any runtime (CLI). */
  leaseOwner: string | null
  statements: WorkflowStatements
  /** Starts a subflow in this transaction; false when its definition is missing. */
  startSubflow(trx: Db, parent: WorkflowExecutionRow, effect: Extract<WorkflowEffect, { type: 'startSubflow' }>, out: AfterCommit, queue: Feed[]): Promise<string | null>
}

function executorConfig(executor: string, config: Record<string, unknown>): Record<string, unknown> {
  // A function step names its function `name`; its input travels as the context event's data.
  return executor === 'function' ? { function: config.name } : config
}

function insertRun(
  deps: PerformDeps,
  exec: WorkflowExecutionRow,
  run: { kind: string; key: string; executor: string; config: Record<string, unknown>; input: unknown; timeoutMs: number | null; retryPolicy: RetryPolicyInput | null },
  now: string,
  out: AfterCommit,
): void {
  const policy = resolveRetryPolicy(run.retryPolicy ? retryPolicySchema.parse(run.retryPolicy) : undefined, deps.defaults)
  const compensation = run.kind === COMPENSATION_KIND
  const row: StepRunRow = {
    id: newId('exe'),
    event_id: anchorEventId(exec.id),
    subscription_id: `${compensation ? 'compensate' : 'step'}:${run.key}`,
    subscription_kind: run.kind,
    executor_type: run.executor,
    status: 'pending',
    priority: 'normal',
    priority_rank: PRIORITY_RANK.normal,
    idempotency_key: `${exec.id}:${run.key}${compensation ? ':compensate' : ''}`,
    configuration: JSON.stringify(executorConfig(run.executor, run.config)),
    retry_policy: JSON.stringify(policy),
    timeout_ms: run.timeoutMs,
    attempts: 0,
    max_attempts: policy.max_attempts,
    next_attempt_at: null,
    lease_owner: deps.leaseOwner,
    started_at: null,
    completed_at: null,
    duration_ms: null,
    error: null,
    output: null,
    created_at: now,
    updated_at: now,
    workflow_execution_id: exec.id,
    step_key: run.key,
    step_input: JSON.stringify(run.input ?? null),
  }
  const claimed = deps.leaseOwner !== null && out.claims !== undefined && out.claims.claim(run.executor as ExecutorType)
  if (claimed) {
    row.status = 'running'
    row.attempts = 1
    row.started_at = now
  }
  // The row as stored is the row handed to the dispatcher; a repeat (same key) inserts nothing.
  if (deps.statements.insertStepRun(row)) {
    out.steps.push({ execution: row, event: anchorEvent(exec) })
    if (claimed) (out.claimed ??= new Set()).add(row.id)
  }
}

async function insertEmitted(trx: Db, id: string, exec: WorkflowExecutionRow, event: Record<string, unknown>, now: string, out: AfterCommit): Promise<void> {
  const type = String(event.type)
  const priority = (EVENT_PRIORITIES as readonly string[]).includes(String(event.priority)) ? (event.priority as EventPriority) : 'normal'
  const data = event.data && typeof event.data === 'object' && !Array.isArray(event.data) ? event.data : {}
  await trx
    .insertInto('events')
    .values({
      id,
      name: typeof event.name === 'string' ? event.name : type,
      type,
      priority,
      priority_rank: PRIORITY_RANK[priority],
      data: JSON.stringify(data),
      metadata: JSON.stringify({ workflow_id: exec.workflow_id, execution_id: exec.id }),
      trigger_type: 'workflow',
      trigger_id: exec.id,
      status: 'pending',
      scheduled_at: null,
      published_at: null,
      routed_at: null,
      created_at: now,
      updated_at: now,
      completed_at: null,
      error: null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute()
  out.emitted.push(id)
}

/**
 * Performs one effect inside the transaction that stores the checkpoint deciding it: each effect
 * becomes rows (a step execution, a timer, a wait, an outgoing event), so storing it is doing it;
 * only the hand-over to the dispatcher, NATS and the wake-up timer waits for the commit (`out`).
 * Every insert is keyed, so performing an effect again changes nothing.
 */
export async function performEffect(trx: Db, deps: PerformDeps, exec: WorkflowExecutionRow, effect: WorkflowEffect, now: number, out: AfterCommit, queue: Feed[]): Promise<void> {
  const iso = new Date(now).toISOString()
  switch (effect.type) {
    case 'startStep':
      return insertRun(deps, exec, { kind: STEP_KIND, ...effect }, iso, out)
    case 'runCompensation':
      if (effect.executor === 'emit') {
        await insertEmitted(trx, `${exec.id}:${safeKey(effect.key)}:compensate`, exec, effect.config, iso, out)
        queue.push({ executionId: exec.id, event: { type: 'COMPENSATION.COMPLETED', stepId: effect.stepId, key: effect.key } })
        return
      }
      return insertRun(deps, exec, { kind: COMPENSATION_KIND, ...effect, timeoutMs: null }, iso, out)
    case 'cancelStep':
      await trx
        .updateTable('event_executions')
        .set({ status: 'cancelled', completed_at: iso, lease_owner: null, updated_at: iso })
        .where('event_id', '=', anchorEventId(exec.id))
        .where('subscription_id', '=', `step:${effect.key}`)
        .where('status', 'in', ['pending', 'retrying'])
        .execute()
      return
    case 'emitEvent':
      return insertEmitted(trx, `${exec.id}:${safeKey(effect.key)}:emit`, exec, effect.event, iso, out)
    case 'startSubflow': {
      const child = await deps.startSubflow(trx, exec, effect, out, queue)
      if (!child) queue.push({ executionId: exec.id, event: { type: 'STEP.FAILED', stepId: effect.stepId, key: effect.key, error: `workflow "${effect.workflowId}" not found` } })
      return
    }
    case 'cancelSubflow':
      queue.push({ executionId: subflowId(exec.id, effect.key), event: { type: 'CANCEL', reason: `parent ${exec.id} cancelled step ${effect.stepId}` } })
      return
    case 'setTimer': {
      const due = 'at' in effect ? Date.parse(effect.at) : now + effect.delayMs
      await trx
        .insertInto('workflow_timers')
        .values({ execution_id: exec.id, timer_id: effect.timerId, step_id: effect.stepId, due_at: new Date(due).toISOString(), created_at: iso })
        .onConflict((oc) => oc.columns(['execution_id', 'timer_id']).doNothing())
        .execute()
      out.timers.push(due)
      return
    }
    case 'cancelTimer':
      await trx.deleteFrom('workflow_timers').where('execution_id', '=', exec.id).where('timer_id', '=', effect.timerId).execute()
      return
    case 'awaitEvent': {
      const { paths, key } = waitKey(effect.match)
      await trx
        .insertInto('workflow_waits')
        .values({ execution_id: exec.id, step_id: effect.stepId, step_key: effect.key, event_type: effect.eventType, match_paths: paths, match_key: key, created_at: iso })
        .onConflict((oc) => oc.columns(['execution_id', 'step_id']).doUpdateSet({ step_key: effect.key, event_type: effect.eventType, match_paths: paths, match_key: key }))
        .execute()
      return
    }
    case 'stopAwaitingEvent':
      await trx.deleteFrom('workflow_waits').where('execution_id', '=', exec.id).where('step_id', '=', effect.stepId).execute()
      return
    case 'finish':
      await trx.deleteFrom('workflow_timers').where('execution_id', '=', exec.id).execute()
      await trx.deleteFrom('workflow_waits').where('execution_id', '=', exec.id).execute()
      if (exec.parent_execution_id && exec.parent_step_id) {
        const key = exec.parent_key ?? undefined
        queue.push({
          executionId: exec.parent_execution_id,
          event:
            effect.status === 'completed'
              ? { type: 'STEP.COMPLETED', stepId: exec.parent_step_id, key, output: effect.output }
              : { type: 'STEP.FAILED', stepId: exec.parent_step_id, key, error: `subflow ${exec.id} ended ${effect.status}${effect.failure ? `: ${effect.failure.error}` : ''}` },
        })
      }
      return
    case 'startCompensation':
      return
  }
}
