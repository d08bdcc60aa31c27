import type { Selectable } from 'kysely'
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
