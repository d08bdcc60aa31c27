import type SQLite from 'better-sqlite3'
import type { Insertable, Selectable } from 'kysely'
import type { EventExecutionsTable, EventHandlersTable, EventListenersTable, EventsTable } from './schema.js'

/** Every column of `events` a writer sets, in the order the prepared INSERTs bind them. */
export const EVENT_COLUMNS = [
  'id', 'name', 'type', 'priority', 'priority_rank', 'data', 'metadata', 'trigger_type', 'trigger_id', 'status',
  'scheduled_at', 'published_at', 'routed_at', 'created_at', 'updated_at', 'completed_at', 'error',
] as const satisfies readonly (keyof EventsTable)[]

/** Every column of `event_executions` a writer sets, in the order the prepared INSERTs bind them. */
export const EXECUTION_COLUMNS = [
  'id', 'event_id', 'subscription_id', 'subscription_kind', 'executor_type', 'status', 'priority', 'priority_rank',
  'idempotency_key', 'configuration', 'retry_policy', 'timeout_ms', 'attempts', 'max_attempts', 'next_attempt_at',
  'lease_owner', 'started_at', 'completed_at', 'duration_ms', 'error', 'output', 'workflow_execution_id', 'step_key',
  'step_input', 'created_at', 'updated_at',
] as const satisfies readonly (keyof EventExecutionsTable)[]

type Value = string | number | null

export interface AttemptValues {
  executionId: string
  attempt: number
  runtimeId: string
  outcome: 'succeeded' | 'failed' | 'interrupted'
  error: string | null
  details: string | null
  startedAt: string
  finishedAt: string
  durationMs: number
}

/**
 * The event core's hot statements (accept, match, route, claim, record, complete, settle), prepared once on
 * the store's one connection and run a row at a time. They are SQLite's own dialect, not Kysely's
 * portable builder (docs/decisions/0010): building and compiling a query cost more than running it.
 *
 * They take no lock of their own: call them only inside a `writeTransaction` callback, where the
 * connection (and its BEGIN IMMEDIATE transaction) belongs to the caller.
 */
export class HotPath {
  private readonly insertEventStmt: SQLite.Statement
  private readonly routeEventStmt: SQLite.Statement
  private readonly insertExecutionStmt: SQLite.Statement
  private readonly claimStmt: SQLite.Statement
  private readonly insertAttemptStmt: SQLite.Statement
  private readonly completeStmt: SQLite.Statement
  private readonly settleStmt: SQLite.Statement
  private readonly handlersStmt: SQLite.Statement
  private readonly listenersStmt: SQLite.Statement

  constructor(sqlite: SQLite.Database) {
    const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ')
    this.insertEventStmt = sqlite.prepare(
      `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${placeholders(EVENT_COLUMNS.length)}) ON CONFLICT (id) DO NOTHING`,
    )
    // The routing guard: an event is routed once, and only while it waits (not cancelled, not held).
    this.routeEventStmt = sqlite.prepare(
      `UPDATE events SET routed_at = ?, status = ?, open_executions = ?, completed_at = ?, updated_at = ?
       WHERE id = ? AND routed_at IS NULL AND status = 'pending'`,
    )
    this.insertExecutionStmt = sqlite.prepare(
      `INSERT INTO event_executions (${EXECUTION_COLUMNS.join(', ')}) VALUES (${placeholders(EXECUTION_COLUMNS.length)})
       ON CONFLICT (event_id, subscription_id) DO NOTHING`,
    )
    this.claimStmt = sqlite.prepare(
      `UPDATE event_executions SET status = 'running', attempts = attempts + 1, lease_owner = ?,
         started_at = coalesce(started_at, ?), updated_at = ?
       WHERE id = ? AND status = 'pending' RETURNING attempts`,
    )
    this.insertAttemptStmt = sqlite.prepare(
      `INSERT INTO execution_attempts (execution_id, attempt, runtime_id, outcome, error, details, started_at, finished_at, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    // The lifecycle machine's running -> completed edge (docs/decisions/0002).
    this.completeStmt = sqlite.prepare(
      `UPDATE event_executions SET status = 'completed', completed_at = ?, duration_ms = ?, output = ?, error = NULL,
         lease_owner = NULL, updated_at = ?
       WHERE id = ? AND status = 'running'`,
    )
    this.handlersStmt = sqlite.prepare('SELECT * FROM event_handlers WHERE enabled = 1 AND event_type = ?')
    this.listenersStmt = sqlite.prepare('SELECT * FROM event_listeners WHERE enabled = 1')
    // Every expression reads the row as it was before this UPDATE: the event completes (or fails,
    // when any execution failed) with its last open execution.
    this.settleStmt = sqlite.prepare(
      `UPDATE events SET
         open_executions = open_executions - @settled,
         failed_executions = failed_executions + @failed,
         status = CASE WHEN status = 'processing' AND open_executions - @settled <= 0
                       THEN CASE WHEN failed_executions + @failed > 0 THEN 'failed' ELSE 'completed' END
                       ELSE status END,
         completed_at = CASE WHEN status = 'processing' AND open_executions - @settled <= 0 THEN @now ELSE completed_at END,
         updated_at = @now
       WHERE id = @id`,
    )
  }

  /** Enabled handlers of one event type, as stored. */
  handlersOf(type: string): Selectable<EventHandlersTable>[] {
    return this.handlersStmt.all(type) as Selectable<EventHandlersTable>[]
  }

  /** Every enabled listener, as stored. */
  listeners(): Selectable<EventListenersTable>[] {
    return this.listenersStmt.all() as Selectable<EventListenersTable>[]
  }

  /** Stores an event unless its id exists; true when stored. */
  insertEvent(row: Insertable<EventsTable>): boolean {
    return this.insertEventStmt.run(EVENT_COLUMNS.map((c) => (row[c] ?? null) as Value)).changes === 1
  }

  /** Marks a waiting event routed with `open` executions (completed at once when none); false when it was not waiting. */
  routeEvent(id: string, open: number, now: string): boolean {
    return this.routeEventStmt.run(now, open ? 'processing' : 'completed', open, open ? null : now, now, id).changes === 1
  }

  /** Stores an execution unless its (event, subscription) pair exists; true when stored. */
  insertExecution(row: Insertable<EventExecutionsTable>): boolean {
    return this.insertExecutionStmt.run(EXECUTION_COLUMNS.map((c) => (row[c] ?? null) as Value)).changes === 1
  }

  /** Starts a pending execution's next attempt under `runtimeId`; its attempt number, or undefined when it is not pending. */
  claim(id: string, runtimeId: string, now: string): number | undefined {
    const row = this.claimStmt.get(runtimeId, now, now, id) as { attempts: number } | undefined
    return row?.attempts
  }

  insertAttempt(a: AttemptValues): void {
    this.insertAttemptStmt.run(a.executionId, a.attempt, a.runtimeId, a.outcome, a.error, a.details, a.startedAt, a.finishedAt, a.durationMs)
  }

  /** A running execution succeeded. */
  complete(id: string, now: string, durationMs: number, output: string | null): void {
    this.completeStmt.run(now, durationMs, output, now, id)
  }

  /** `settled` of an event's executions reached a final state, `failed` of them failed. */
  settleEvent(id: string, settled: number, failed: number, now: string): void {
    this.settleStmt.run({ settled, failed, now, id })
  }
}
