import type SQLite from 'better-sqlite3'
import { sql } from 'kysely'
import type { Db } from './database.js'

interface Job {
  fn: (trx: Db) => Promise<unknown>
  resolve(value: unknown): void
  reject(err: unknown): void
}

/**
 * Group commit across callers: every `writeTransaction` asked for within one event-loop turn runs
 * in one SQLite transaction, each inside its own savepoint. A caller whose work throws is rolled
 * back to its savepoint and rejected alone; the others commit together, and each caller's promise
 * settles only after that COMMIT (or rejects with its failure). A commit writes its dirty pages to
 * the WAL once, instead of once per caller: on the event path that was about a sixth of the main
 * thread (docs/decisions/0010).
 */
class GroupCommit {
  private queue: Job[] = []
  private scheduled = false
  private readonly begin: SQLite.Statement
  private readonly commit: SQLite.Statement
  private readonly rollback: SQLite.Statement
  private readonly savepoint: SQLite.Statement
  private readonly release: SQLite.Statement
  private readonly rollbackTo: SQLite.Statement

  constructor(
    private readonly db: Db,
    private readonly sqlite: SQLite.Database,
  ) {
    this.begin = sqlite.prepare('BEGIN IMMEDIATE')
    this.commit = sqlite.prepare('COMMIT')
    this.rollback = sqlite.prepare('ROLLBACK')
    this.savepoint = sqlite.prepare('SAVEPOINT sp_job')
    this.release = sqlite.prepare('RELEASE sp_job')
    this.rollbackTo = sqlite.prepare('ROLLBACK TO sp_job')
  }

  run<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject })
      if (this.scheduled) return
      this.scheduled = true
      setImmediate(() => void this.flush())
    })
  }

  private async flush(): Promise<void> {
    this.scheduled = false
    const jobs = this.queue
    this.queue = []
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = []
    try {
      // Kysely's connection lock: no other query of this process runs until the COMMIT.
      await this.db.connection().execute(async (conn) => {
        this.begin.run()
        try {
          for (const job of jobs) {
            this.savepoint.run()
            try {
              const value = await job.fn(conn)
              this.release.run()
              outcomes.push({ ok: true, value })
            } catch (error) {
              this.rollbackTo.run()
              this.release.run()
              outcomes.push({ ok: false, error })
            }
          }
          this.commit.run()
        } catch (err) {
          if (this.sqlite.inTransaction) this.rollback.run()
          throw err
        }
      })
    } catch (err) {
      for (const job of jobs) job.reject(err)
      return
    }
    jobs.forEach((job, i) => {
      const o = outcomes[i]!
      if (o.ok) job.resolve(o.value)
      else job.reject(o.error)
    })
  }
}

const groups = new WeakMap<Db, GroupCommit>()

/** Lets every `writeTransaction(db, …)` of a turn share one transaction on `sqlite`, the connection under `db`. */
export function enableGroupCommit(db: Db, sqlite: SQLite.Database): void {
  groups.set(db, new GroupCommit(db, sqlite))
}

/**
 * Runs `fn` in a write transaction that takes SQLite's write lock up front (BEGIN IMMEDIATE), so
 * a read-then-write inside it can never fail with SQLITE_BUSY when another process writes: the
 * other writer is waited for (busy_timeout) before the first read. On a store opened by
 * `openStore`, the calls of one turn share that transaction (see GroupCommit); a failing `fn`
 * still changes nothing.
 */
export async function writeTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  const group = groups.get(db)
  if (group) return group.run(fn)
  return db.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn)
    try {
      const result = await fn(conn)
      await sql`COMMIT`.execute(conn)
      return result
    } catch (err) {
      await sql`ROLLBACK`.execute(conn).catch(() => {})
      throw err
    }
  })
}
