import { sql, type Kysely, type MigrationResult } from 'kysely'
import { UnavailableError } from '../errors.js'

/** Columns only the old workflows module's `workflow_executions` has (ours has `input`, `checkpoint`). */
const LEGACY_COLUMNS = ['inputs', 'current_step', 'context']
export const LEGACY_EXECUTIONS_TABLE = 'legacy_workflow_executions'
/** How the rename shows in `sp migrate`'s list of what it applied. */
export const SET_ASIDE_NAME = `legacy: workflow_executions renamed to ${LEGACY_EXECUTIONS_TABLE}`

async function columnsOf(db: Kysely<unknown>, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db)
  return rows.map((r) => r.name)
}

/**
 * Runs before the migrations: on a database of the old workflows module, its `workflow_executions`
 * (same name as ours, other columns) is renamed to `legacy_workflow_executions`, kept as it was, so
 * migration 0001 can create ours. Does nothing once 0001 has run or when the table is ours.
 * Returns a result line saying what it did, or null.
 */
export async function setLegacyExecutionsAside<T>(db: Kysely<T>): Promise<MigrationResult | null> {
  return (db as unknown as Kysely<unknown>).transaction().execute(async (trx) => {
    const columns = await columnsOf(trx, 'workflow_executions')
    if (columns.length === 0 || columns.includes('checkpoint') || !LEGACY_COLUMNS.some((c) => columns.includes(c))) return null
    if ((await columnsOf(trx, LEGACY_EXECUTIONS_TABLE)).length > 0) {
      throw new UnavailableError(
        `workflow_executions has the old workflows module's columns, and ${LEGACY_EXECUTIONS_TABLE} exists too: rename or drop one of them by hand, then run sp migrate again`,
      )
    }
    await sql`alter table workflow_executions rename to ${sql.id(LEGACY_EXECUTIONS_TABLE)}`.execute(trx)
    return { migrationName: SET_ASIDE_NAME, direction: 'Up', status: 'Success' }
  })
}
