import { sql } from 'kysely'
import type { Db } from './database.js'

/**
 * Runs `fn` in a write transaction that takes SQLite's write lock up front (BEGIN IMMEDIATE), so
 * a read-then-write inside it can never fail with SQLITE_BUSY when another process writes: the
 * other writer is waited for (busy_timeout) before the first read.
 */
export async function writeTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
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
