import { existsSync } from 'node:fs'
import SQLite from 'better-sqlite3'
import { ValidationError } from '../errors.js'

/** A row of the old scheduler's `scheduled_tasks`, as stored (JSON columns are text). */
export interface LegacyTask {
  id: string
  name: string | null
  description: string | null
  type: string
  schedule: string | null
  command: string | null
  data: string | null
  status: string | null
  enabled: number | null
  retries: number | null
  retry_delay: number | null
  timeout: number | null
}

/** A row of the old workflows module's `workflows`. */
export interface LegacyWorkflow {
  id: string
  name: string | null
  description: string | null
  version: string | null
  status: string | null
  triggers: string | null
  inputs: string | null
  outputs: string | null
  steps: string | null
  error_handler: string | null
}

/** A row of `workflow_schedules`. */
export interface LegacyWorkflowSchedule {
  id: string
  workflow_id: string
  schedule_type: string
  cron_expression: string | null
  next_run_at: string | null
  inputs: string | null
  active: number | null
}

export interface LegacyData {
  tasks: LegacyTask[]
  workflows: LegacyWorkflow[]
  workflowSchedules: LegacyWorkflowSchedule[]
}

/** The old tables this import reads; any of them may be missing (a module that was never used). */
export const LEGACY_TABLES = { tasks: 'scheduled_tasks', workflows: 'workflows', workflowSchedules: 'workflow_schedules' } as const

/**
 * Opens the old modules' SQLite file read-only: nothing here can change it. Throws a
 * ValidationError naming `field` when it is missing, not SQLite, or holds none of the old tables.
 */
export function openLegacyFile(path: string, field = '--from'): SQLite.Database {
  if (!existsSync(path)) throw new ValidationError(field, `"${path}" does not exist: give the SQLite file of the old scheduler and workflows modules`)
  let db: SQLite.Database
  try {
    db = new SQLite(path, { readonly: true, fileMustExist: true })
    db.prepare('select count(*) from sqlite_master').get()
  } catch (err) {
    throw new ValidationError(field, `"${path}" is not a readable SQLite database: ${(err as Error).message}`, undefined, { cause: err })
  }
  if (!Object.values(LEGACY_TABLES).some((table) => hasTable(db, table))) {
    db.close()
    throw new ValidationError(field, `"${path}" holds none of the old tables (${Object.values(LEGACY_TABLES).join(', ')}): is it the old modules' database?`)
  }
  return db
}

function hasTable(db: SQLite.Database, table: string): boolean {
  return db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(table) !== undefined
}

function rows<T>(db: SQLite.Database, table: string, columns: readonly (keyof T & string)[]): T[] {
  if (!hasTable(db, table)) return []
  const present = new Set((db.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name))
  // A column an older version of the module lacked reads as null rather than failing the import.
  const select = columns.map((c) => (present.has(c) ? `"${c}"` : `null as "${c}"`)).join(', ')
  const order = present.has('created_at') ? 'created_at, rowid' : 'rowid'
  return db.prepare(`select ${select} from "${table}" order by ${order}`).all() as T[]
}

/** Reads every row the import converts, in creation order. */
export function readLegacy(db: SQLite.Database): LegacyData {
  return {
    tasks: rows<LegacyTask>(db, LEGACY_TABLES.tasks, ['id', 'name', 'description', 'type', 'schedule', 'command', 'data', 'status', 'enabled', 'retries', 'retry_delay', 'timeout']),
    workflows: rows<LegacyWorkflow>(db, LEGACY_TABLES.workflows, ['id', 'name', 'description', 'version', 'status', 'triggers', 'inputs', 'outputs', 'steps', 'error_handler']),
    workflowSchedules: rows<LegacyWorkflowSchedule>(db, LEGACY_TABLES.workflowSchedules, ['id', 'workflow_id', 'schedule_type', 'cron_expression', 'next_run_at', 'inputs', 'active']),
  }
}

/** Opens `path` read-only, reads the old rows and closes it. */
export function readLegacyFile(path: string, field = '--from'): LegacyData {
  const db = openLegacyFile(path, field)
  try {
    return readLegacy(db)
  } finally {
    db.close()
  }
}
