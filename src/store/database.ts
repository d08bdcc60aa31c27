import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect, type MigrationResultSet } from 'kysely'
import { migrations } from '../../migrations/index.js'
import { setLegacyExecutionsAside } from '../legacy/set-aside-executions.js'
import { UnavailableError } from '../errors.js'
import { Checkpointer } from './checkpointer.js'
import { HotPath } from './hot-path.js'
import { enableGroupCommit } from './transaction.js'
import type { Database } from './schema.js'

export type Db = Kysely<Database>

export interface OpenedStore {
  db: Db
  /** The underlying connection, for the few hot paths that batch through prepared statements. */
  sqlite: SQLite.Database
  /** The event core's prepared statements (prepared on first use, after the migrations ran). */
  readonly hot: HotPath
  /**
   * Moves WAL checkpoints off this thread (a long-running runtime calls it): copying the WAL back
   * into the database otherwise stalls a commit for milliseconds now and then.
   */
  checkpointInBackground(): void
  close(): Promise<void>
}

/**
 * Opens the SQLite file in WAL mode (creating its folder). `synchronous=NORMAL` in WAL keeps every
 * commit durable across a process crash (kill -9); only a power loss can drop the last commits.
 * Several processes (the CLI, runtimes) may share the file: writers wait up to `busy_timeout`.
 */
export function openStore(path: string): OpenedStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let sqlite: SQLite.Database
  try {
    sqlite = new SQLite(path)
  } catch (err) {
    throw new UnavailableError(`cannot open the database "${path}": ${(err as Error).message}`, { cause: err })
  }
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('busy_timeout = 10000')
  sqlite.pragma('foreign_keys = ON')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  enableGroupCommit(db, sqlite)
  let checkpointer: Checkpointer | null = null
  let hot: HotPath | null = null
  return {
    db,
    sqlite,
    get hot() {
      return (hot ??= new HotPath(sqlite))
    },
    checkpointInBackground() {
      if (checkpointer || path === ':memory:') return
      checkpointer = new Checkpointer(path)
      sqlite.pragma('wal_autocheckpoint = 0')
    },
    async close() {
      await db.destroy()
      await checkpointer?.stop()
      checkpointer = null
    },
  }
}

/**
 * Kysely's SQLite driver prepares each query anew; preparing costs more than running a small
 * statement. This keeps the most recent prepared statements by SQL text (Kysely only ever runs
 * `all`/`run`/`iterate` on them, one at a time, so sharing one is safe).
 */
function withStatementCache(sqlite: SQLite.Database, size = 512): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>()
  const prepare = (source: string): SQLite.Statement => {
    let stmt = cache.get(source)
    if (stmt) {
      cache.delete(source)
    } else {
      stmt = sqlite.prepare(source)
      if (cache.size >= size) cache.delete(cache.keys().next().value as string)
    }
    cache.set(source, stmt)
    return stmt
  }
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop === 'prepare') return prepare
      const value = Reflect.get(target, prop, receiver) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

/**
 * Applies every pending migration; throws naming the one that failed. On a database of the old
 * scheduler and workflows modules, their `workflow_executions` is first renamed out of the way
 * (0001 creates ours under that name); the rename is reported as the first result.
 */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const setAside = await setLegacyExecutionsAside(db)
  const migrator = new Migrator({ db: db as unknown as Kysely<unknown>, provider: { getMigrations: async () => migrations } })
  const result = await migrator.migrateToLatest()
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')
    throw new UnavailableError(
      `migration ${failed?.migrationName ?? ''} failed: ${(result.error as Error).message ?? String(result.error)}`,
      { cause: result.error },
    )
  }
  return setAside ? { ...result, results: [setAside, ...(result.results ?? [])] } : result
}
