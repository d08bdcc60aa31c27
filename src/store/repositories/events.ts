import type { Insertable, Selectable } from 'kysely'
import type { EventPriority, EventRecord, EventStatus, TriggerType } from '../../model/event.js'
import type { Db } from '../database.js'
import { parseJson } from '../json.js'
import type { EventsTable } from '../schema.js'

export type EventRow = Selectable<EventsTable>

export function toEventRecord(row: EventRow): EventRecord {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    priority: row.priority as EventPriority,
    data: parseJson<Record<string, unknown>>(row.data, 'events.data') ?? {},
    metadata: parseJson<Record<string, unknown>>(row.metadata, 'events.metadata') ?? {},
    trigger_type: row.trigger_type as TriggerType,
    trigger_id: row.trigger_id,
    status: row.status as EventStatus,
    scheduled_at: row.scheduled_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
    completed_at: row.completed_at,
    error: row.error,
  }
}

/** Inserts events, skipping ids that exist; returns the ids it inserted. */
export async function insertEvents(db: Db, rows: Insertable<EventsTable>[]): Promise<Set<string>> {
  const inserted = new Set<string>()
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500)
    const result = await db.insertInto('events').values(chunk).onConflict((oc) => oc.column('id').doNothing()).returning('id').execute()
    for (const r of result) inserted.add(r.id)
  }
  return inserted
}

export async function getEventRow(db: Db, id: string): Promise<EventRow | undefined> {
  return db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Events accepted before `before`, not yet routed, and not re-sent since `before`: the relay re-sends them. */
export async function unroutedEvents(db: Db, before: string, limit: number): Promise<EventRow[]> {
  return db
    .selectFrom('events')
    .selectAll()
    .where('status', '=', 'pending')
    .where('routed_at', 'is', null)
    .where('created_at', '<=', before)
    .where((eb) => eb.or([eb('published_at', 'is', null), eb('published_at', '<', before)]))
    .orderBy('created_at')
    .limit(limit)
    .execute()
}

export async function markPublished(db: Db, ids: string[], at: string): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await db.updateTable('events').set({ published_at: at }).where('id', 'in', ids.slice(i, i + 500)).where('routed_at', 'is', null).execute()
  }
}

/**
 * Executions reached a final state: each event's open count drops by its settled executions, and
 * an event completes (or fails, when any execution failed) with its last open one. Set-based: a
 * few statements per batch whatever its size.
 */
export async function settleExecutions(db: Db, settled: readonly { eventId: string; failed: boolean }[], at: string): Promise<void> {
  if (settled.length === 0) return
  const perEvent = new Map<string, { n: number; failed: number }>()
  for (const s of settled) {
    const c = perEvent.get(s.eventId) ?? { n: 0, failed: 0 }
    c.n++
    if (s.failed) c.failed++
    perEvent.set(s.eventId, c)
  }
  const groups = new Map<string, { n: number; failed: number; ids: string[] }>()
  for (const [id, c] of perEvent) {
    const key = `${c.n}:${c.failed}`
    const g = groups.get(key)
    if (g) g.ids.push(id)
    else groups.set(key, { ...c, ids: [id] })
  }
  for (const g of groups.values()) {
    for (let i = 0; i < g.ids.length; i += 500) {
      await db
        .updateTable('events')
        .set((eb) => ({
          open_executions: eb('open_executions', '-', g.n),
          failed_executions: eb('failed_executions', '+', g.failed),
          updated_at: at,
        }))
        .where('id', 'in', g.ids.slice(i, i + 500))
        .execute()
    }
  }
  const ids = [...perEvent.keys()]
  for (let i = 0; i < ids.length; i += 500) {
    await db
      .updateTable('events')
      .set((eb) => ({
        status: eb.case().when('failed_executions', '>', 0).then('failed').else('completed').end(),
        completed_at: at,
      }))
      .where('id', 'in', ids.slice(i, i + 500))
      .where('open_executions', '<=', 0)
      .where('status', '=', 'processing')
      .execute()
  }
}
