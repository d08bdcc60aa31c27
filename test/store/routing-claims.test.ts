import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { routeRecords } from '../../actors/routing.js'
import { PRIORITY_RANK, type EventPriority, type EventRecord } from '../../src/model/event.js'
import { migrateToLatest, openStore, type OpenedStore } from '../../src/store/database.js'
import { writeTransaction } from '../../src/store/transaction.js'
import { tempDir } from '../support/runtime.js'
import { handlerRow } from '../support/store-rows.js'

const NOW = '2026-11-30T12:00:00.000Z'

function event(id: string, type: string, priority: EventPriority): EventRecord {
  return {
    id, name: type, type, priority, data: {}, metadata: {}, trigger_type: 'api', trigger_id: null, status: 'pending',
    scheduled_at: null, created_at: NOW, updated_at: NOW, completed_at: null, error: null,
  }
}

describe('routing claims free slots for the most urgent executions of a batch', () => {
  let tmp: ReturnType<typeof tempDir>
  let store: OpenedStore

  beforeEach(async () => {
    tmp = tempDir()
    store = openStore(join(tmp.dir, 'sp.db'))
    await migrateToLatest(store.db)
    await store.db.insertInto('event_handlers').values([handlerRow('hdl_low', 'a.run', 'low', NOW), handlerRow('hdl_critical', 'b.run', 'critical', NOW)]).execute()
  })

  afterEach(async () => {
    await store.close()
    tmp.dispose()
  })

  it("by each execution's own priority (a handler's overrides its event's), the rest queued pending", async () => {
    // A high event whose handler runs low, then a normal event whose handler runs critical; one free slot.
    const events = [event('evt_a', 'a.run', 'high'), event('evt_b', 'b.run', 'normal')]
    let free = 1
    const routed = await writeTransaction(store.db, async (trx) => {
      for (const e of events) {
        store.hot.insertEvent({ ...e, priority_rank: PRIORITY_RANK[e.priority], data: '{}', metadata: '{}', published_at: null, routed_at: null })
      }
      return routeRecords(trx, events, { hot: store.hot, runtimeId: 'rt-test', defaults: { maxRetries: 3, retryDelayMs: 1000 }, claim: () => free-- > 0 }, NOW)
    })
    expect(routed.claimed.map((i) => [i.event.id, i.execution.priority])).toEqual([['evt_b', 'critical']])
    expect(routed.queued.map((i) => [i.event.id, i.execution.priority])).toEqual([['evt_a', 'low']])
    const rows = await store.db.selectFrom('event_executions').select(['event_id', 'status', 'attempts', 'lease_owner']).orderBy('event_id').execute()
    expect(rows).toEqual([
      { event_id: 'evt_a', status: 'pending', attempts: 0, lease_owner: 'rt-test' },
      { event_id: 'evt_b', status: 'running', attempts: 1, lease_owner: 'rt-test' },
    ])
    // Routed once: a second routing of the same events creates nothing and claims nothing.
    free = 1
    const again = await writeTransaction(store.db, (trx) =>
      routeRecords(trx, events, { hot: store.hot, runtimeId: 'rt-test', defaults: { maxRetries: 3, retryDelayMs: 1000 }, claim: () => free-- > 0 }, NOW),
    )
    expect([again.claimed.length, again.queued.length, free]).toEqual([0, 0, 1])
  })
})
