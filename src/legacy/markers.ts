import { existsSync } from 'node:fs'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Db } from '../store/database.js'

/**
 * The target database's import markers, read-only, for a dry run: null when the file does not
 * exist yet or was never imported into (nothing is created or migrated to find out).
 */
export function openMarkersReadOnly(path: string): { db: Db; close(): Promise<void> } | null {
  if (!existsSync(path)) return null
  const sqlite = new SQLite(path, { readonly: true, fileMustExist: true })
  const has = sqlite.prepare(`select 1 from sqlite_master where type = 'table' and name = 'legacy_imports'`).get()
  if (!has) {
    sqlite.close()
    return null
  }
  const db: Db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) })
  return { db, close: () => db.destroy() }
}
