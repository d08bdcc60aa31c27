import type { Selectable } from 'kysely'
import type { Db } from '../database.js'
import { parseJson } from '../json.js'
import type { EventExecutionsTable, ExecutionAttemptsTable } from '../schema.js'

export type ExecutionRow = Selectable<EventExecutionsTable>
export type AttemptRow = Selectable<ExecutionAttemptsTable>

export const EXECUTION_STATUSES = ['pending', 'running', 'retrying', 'completed', 'failed', 'cancelled'] as const
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number]
export const OPEN_EXECUTION_STATUSES: ExecutionStatus[] = ['pending', 'running', 'retrying']

export interface AttemptView {
  attempt: number
  outcome: string
  error: string | null
  details: unknown
  started_at: string
  finished_at: string
  duration_ms: number
}

export interface ExecutionView {
  id: string
  event_id: string
  handler_id: string | null
  listener_id: string | null
  executor_type: string
  status: ExecutionStatus
  priority: string
  idempotency_key: string
  attempts: number
  max_attempts: number
  next_attempt_at: string | null
  started_at: string | null
  completed_at: string | null
  duration_ms: number | null
  error: string | null
  output: unknown
  created_at: string
  updated_at: string
  attempt_history: AttemptView[]
}

export function toExecutionView(row: ExecutionRow, attempts: AttemptRow[] = []): ExecutionView {
  return {
    id: row.id,
    event_id: row.event_id,
    handler_id: row.subscription_kind === 'handler' ? row.subscription_id : null,
    listener_id: row.subscription_kind === 'listener' ? row.subscription_id : null,
    executor_type: row.executor_type,
    status: row.status as ExecutionStatus,
    priority: row.priority,
    idempotency_key: row.idempotency_key,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    next_attempt_at: row.next_attempt_at,
    started_at: row.started_at,
    completed_at: row.completed_at,
    duration_ms: row.duration_ms,
    error: row.error,
    output: parseJson(row.output, 'event_executions.output'),
    created_at: row.created_at,
    updated_at: row.updated_at,
    attempt_history: attempts.map((a) => ({
      attempt: a.attempt,
      outcome: a.outcome,
      error: a.error,
      details: parseJson(a.details, 'execution_attempts.details'),
      started_at: a.started_at,
      finished_at: a.finished_at,
      duration_ms: a.duration_ms,
    })),
  }
}

export async function executionsOfEvent(db: Db, eventId: string): Promise<ExecutionView[]> {
  const rows = await db.selectFrom('event_executions').selectAll().where('event_id', '=', eventId).orderBy('created_at').execute()
  if (rows.length === 0) return []
  const attempts = await db
    .selectFrom('execution_attempts')
    .selectAll()
    .where('execution_id', 'in', rows.map((r) => r.id))
    .orderBy('attempt')
    .execute()
  return rows.map((r) => toExecutionView(r, attempts.filter((a) => a.execution_id === r.id)))
}
