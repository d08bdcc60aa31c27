import type { EventRecord } from '../src/model/event.js'
import type { Db } from '../src/store/database.js'
import { writeTransaction } from '../src/store/transaction.js'
import type { DueSource } from './wakeups.js'
import { emptyAfterCommit, eventKey, type AfterCommit, type Feed } from './workflow-perform.js'

/**
 * The waits a batch of routed events satisfies, as EVENT.MATCHED feeds. One indexed lookup per
 * distinct (event type, match path set), however many executions wait.
 */
export async function matchWaits(trx: Db, events: EventRecord[]): Promise<Feed[]> {
  const types = [...new Set(events.map((e) => e.type))]
  const shapes = await trx.selectFrom('workflow_waits').select(['event_type', 'match_paths']).distinct().where('event_type', 'in', types).execute()
  const feeds: Feed[] = []
  for (const shape of shapes) {
    const paths = JSON.parse(shape.match_paths) as string[]
    const byKey = new Map<string, EventRecord>()
    for (const e of events) {
      const key = eventKey(e, paths)
      if (e.type === shape.event_type && !byKey.has(key)) byKey.set(key, e)
    }
    const keys = [...byKey.keys()]
    for (let i = 0; i < keys.length; i += 500) {
      const waits = await trx
        .selectFrom('workflow_waits')
        .selectAll()
        .where('event_type', '=', shape.event_type)
        .where('match_paths', '=', shape.match_paths)
        .where('match_key', 'in', keys.slice(i, i + 500))
        .execute()
      for (const w of waits) {
        const event = JSON.parse(JSON.stringify(byKey.get(w.match_key))) as Record<string, unknown>
        feeds.push({ executionId: w.execution_id, event: { type: 'EVENT.MATCHED', stepId: w.step_id, key: w.step_key, event } })
      }
    }
  }
  return feeds
}

/** Durable timers: due rows are deleted and fed as TIMER.FIRED in one transaction, 500 at a time. */
export function timerSource(
  db: Db,
  apply: (trx: Db, feeds: Feed[], out: AfterCommit) => Promise<void>,
  settle: (out: AfterCommit) => void,
): DueSource {
  return {
    name: 'workflow-timers',
    nextDueAt: async () => {
      const row = await db.selectFrom('workflow_timers').select((eb) => eb.fn.min('due_at').as('next')).executeTakeFirst()
      return row?.next ? Date.parse(row.next) : null
    },
    fireDue: async (now) => {
      const iso = new Date(now).toISOString()
      for (;;) {
        const out = emptyAfterCommit()
        const fired = await writeTransaction(db, async (trx) => {
          const due = await trx.selectFrom('workflow_timers').selectAll().where('due_at', '<=', iso).orderBy('due_at').limit(500).execute()
          for (const t of due) await trx.deleteFrom('workflow_timers').where('execution_id', '=', t.execution_id).where('timer_id', '=', t.timer_id).execute()
          await apply(trx, due.map((t) => ({ executionId: t.execution_id, event: { type: 'TIMER.FIRED', timerId: t.timer_id } })), out)
          return due.length
        })
        settle(out)
        if (fired < 500) return
      }
    },
  }
}
