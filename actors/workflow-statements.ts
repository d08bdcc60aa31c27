import type SQLite from 'better-sqlite3'
import type { Insertable, Selectable } from 'kysely'
import { EVENT_COLUMNS, EXECUTION_COLUMNS as STEP_RUN_COLUMNS } from '../src/store/hot-path.js'
import type { EventExecutionsTable, EventsTable, WorkflowExecutionsTable } from '../src/store/schema.js'

type ExecutionRow = Selectable<WorkflowExecutionsTable>
type StepRunRow = Selectable<EventExecutionsTable>
type Checkpoint = Pick<ExecutionRow, 'status' | 'checkpoint' | 'output' | 'error' | 'completed_at' | 'updated_at'>

const EXECUTION_COLUMNS = [
  'id', 'workflow_id', 'workflow_version', 'status', 'input', 'output', 'error', 'checkpoint', 'trigger_event_id',
  'created_at', 'updated_at', 'completed_at', 'parent_execution_id', 'parent_step_id', 'parent_key',
] as const satisfies readonly (keyof ExecutionRow)[]
// The anchor event and the step runs are rows of the event core's tables: the same columns as its inserts.
const ANCHOR_COLUMNS = EVENT_COLUMNS
const CHECKPOINT_COLUMNS = ['status', 'checkpoint', 'output', 'error', 'completed_at', 'updated_at'] as const satisfies readonly (keyof Checkpoint)[]

const insertSql = (table: string, columns: readonly string[], conflict: string) =>
  `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (${conflict}) DO NOTHING`

/**
 * The workflow host's per-transition statements, prepared once on the store's one SQLite connection
 * (Kysely's query building cost more than running them). They run synchronously, so inside a
 * `writeTransaction` callback they are part of that transaction; outside any transaction they refuse
 * to run (each would commit alone).
 * Each keyed insert reports whether it inserted (a repeat changes nothing).
 */
export class WorkflowStatements {
  private readonly selectExecution: SQLite.Statement<[string], ExecutionRow>
  private readonly insertExecutionStmt: SQLite.Statement<unknown[]>
  private readonly insertAnchorStmt: SQLite.Statement<unknown[]>
  private readonly insertStepRunStmt: SQLite.Statement<unknown[]>
  private readonly updateCheckpoint: SQLite.Statement<unknown[]>

  constructor(private readonly sqlite: SQLite.Database) {
    this.selectExecution = sqlite.prepare(`SELECT ${EXECUTION_COLUMNS.join(', ')} FROM workflow_executions WHERE id = ?`)
    this.insertExecutionStmt = sqlite.prepare(insertSql('workflow_executions', EXECUTION_COLUMNS, 'id'))
    this.insertAnchorStmt = sqlite.prepare(insertSql('events', ANCHOR_COLUMNS, 'id'))
    this.insertStepRunStmt = sqlite.prepare(insertSql('event_executions', STEP_RUN_COLUMNS, 'event_id, subscription_id'))
    this.updateCheckpoint = sqlite.prepare(`UPDATE workflow_executions SET ${CHECKPOINT_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`)
  }

  execution(id: string): ExecutionRow | undefined {
    this.inTransaction()
    return this.selectExecution.get(id)
  }

  insertExecution(row: ExecutionRow): boolean {
    this.inTransaction()
    return this.insertExecutionStmt.run(EXECUTION_COLUMNS.map((c) => row[c] ?? null)).changes === 1
  }

  insertAnchor(row: Insertable<EventsTable>): boolean {
    this.inTransaction()
    return this.insertAnchorStmt.run(ANCHOR_COLUMNS.map((c) => row[c] ?? null)).changes === 1
  }

  insertStepRun(row: StepRunRow): boolean {
    this.inTransaction()
    return this.insertStepRunStmt.run(STEP_RUN_COLUMNS.map((c) => row[c] ?? null)).changes === 1
  }

  storeCheckpoint(id: string, changes: Checkpoint): void {
    this.inTransaction()
    this.updateCheckpoint.run([...CHECKPOINT_COLUMNS.map((c) => changes[c] ?? null), id])
  }

  private inTransaction(): void {
    if (!this.sqlite.inTransaction) throw new Error('workflow statements run only inside a write transaction')
  }
}
