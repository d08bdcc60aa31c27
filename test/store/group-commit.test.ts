import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { migrateToLatest, openStore, type OpenedStore } from '../../src/store/database.js'
import { writeTransaction } from '../../src/store/transaction.js'
import { tempDir } from '../support/runtime.js'
import { handlerRow } from '../support/store-rows.js'

const handler = (id: string) => handlerRow(id, 'group.commit')

describe('writeTransaction on a store: one transaction per turn, a savepoint per caller', () => {
  let tmp: ReturnType<typeof tempDir>
  let store: OpenedStore

  beforeEach(async () => {
    tmp = tempDir()
    store = openStore(join(tmp.dir, 'sp.db'))
    await migrateToLatest(store.db)
  })

  afterEach(async () => {
    await store.close()
    tmp.dispose()
  })

  const ids = async () => (await store.db.selectFrom('event_handlers').select('id').orderBy('id').execute()).map((r) => r.id)

  it('commits the callers of one turn together, and rolls back only the one that threw', async () => {
    const reader = openStore(join(tmp.dir, 'sp.db'))
    let visibleToOthers: unknown[] = ['not read']
    const a = writeTransaction(store.db, async (trx) => {
      await trx.insertInto('event_handlers').values(handler('h-a')).execute()
      return 'a'
    })
    const b = writeTransaction(store.db, async (trx) => {
      await trx.insertInto('event_handlers').values(handler('h-b')).execute()
      throw new Error('b changed its mind')
    })
    const c = writeTransaction(store.db, async (trx) => {
      // Sees a's write: the callers run one after the other in the same transaction.
      const seen = await trx.selectFrom('event_handlers').select('id').execute()
      await trx.insertInto('event_handlers').values(handler('h-c')).execute()
      // Not committed yet: another connection sees none of the group's writes.
      visibleToOthers = reader.sqlite.prepare('SELECT id FROM event_handlers').all()
      return seen.map((r) => r.id)
    })
    const results = await Promise.allSettled([a, b, c])
    expect(results[0]).toEqual({ status: 'fulfilled', value: 'a' })
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { message: 'b changed its mind' } })
    expect(results[2]).toEqual({ status: 'fulfilled', value: ['h-a'] })
    expect(visibleToOthers).toEqual([])
    expect(await ids()).toEqual(['h-a', 'h-c'])
    expect(reader.sqlite.prepare('SELECT id FROM event_handlers ORDER BY id').all()).toEqual([{ id: 'h-a' }, { id: 'h-c' }])
    expect(store.sqlite.inTransaction).toBe(false)
    await reader.close()
  })

  it('rejects every caller of a turn when the transaction itself cannot commit, and stores nothing', async () => {
    // A second connection holds the write lock past busy_timeout: BEGIN IMMEDIATE fails for the whole group.
    store.sqlite.pragma('busy_timeout = 50')
    const other = openStore(join(tmp.dir, 'sp.db'))
    other.sqlite.exec('BEGIN IMMEDIATE')
    try {
      const calls = [1, 2].map((n) => writeTransaction(store.db, async (trx) => trx.insertInto('event_handlers').values(handler(`h-${n}`)).execute()))
      const results = await Promise.allSettled(calls)
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
      expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/locked|busy/i)
    } finally {
      other.sqlite.exec('ROLLBACK')
      await other.close()
    }
    expect(await ids()).toEqual([])
    // The next turn's callers commit normally.
    await writeTransaction(store.db, async (trx) => trx.insertInto('event_handlers').values(handler('h-after')).execute())
    expect(await ids()).toEqual(['h-after'])
  })
})
