import type { Selectable } from 'kysely'
import type { Condition } from '../../model/condition.js'
import type { EventPriority } from '../../model/event.js'
import type { ExecutorType, HandlerRecord, ListenerRecord, Subscription } from '../../model/handler.js'
import type { RetryPolicyInput } from '../../model/retry-policy.js'
import type { HotPath } from '../hot-path.js'
import { parseJson } from '../json.js'
import type { EventHandlersTable, EventListenersTable } from '../schema.js'

type HandlerRow = Selectable<EventHandlersTable>
type ListenerRow = Selectable<EventListenersTable>

function common(row: HandlerRow | ListenerRow, table: string) {
  return {
    id: row.id,
    name: row.name,
    executor_type: row.executor_type as ExecutorType,
    configuration: parseJson<Record<string, unknown>>(row.configuration, `${table}.configuration`) ?? {},
    retry_policy: parseJson<RetryPolicyInput>(row.retry_policy, `${table}.retry_policy`),
    priority: row.priority as EventPriority | null,
    timeout_ms: row.timeout_ms,
    enabled: row.enabled === 1,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

export function toHandlerRecord(row: HandlerRow): HandlerRecord {
  return {
    ...common(row, 'event_handlers'),
    event_type: row.event_type,
    conditions: parseJson<Condition[]>(row.conditions, 'event_handlers.conditions') ?? [],
  }
}

export function toListenerRecord(row: ListenerRow): ListenerRecord {
  return {
    ...common(row, 'event_listeners'),
    event_pattern: row.event_pattern,
    filter_conditions: parseJson<Condition[]>(row.filter_conditions, 'event_listeners.filter_conditions') ?? [],
  }
}

export function handlerSubscription(h: HandlerRecord): Subscription {
  const { event_type, ...rest } = h
  return { ...rest, kind: 'handler', match: event_type }
}

export function listenerSubscription(l: ListenerRecord): Subscription {
  const { event_pattern, filter_conditions, ...rest } = l
  return { ...rest, kind: 'listener', match: event_pattern, conditions: filter_conditions }
}

/**
 * Parsed records by row id, kept while the row is unchanged (every column is part of the key), so
 * routing does not parse the same handlers' JSON for every batch. Rows edited by anyone, through
 * any path, miss the cache because their content differs.
 */
const parsed = new Map<string, { key: string; record: HandlerRecord | ListenerRecord }>()
const MAX_PARSED = 10_000

function cached<R extends HandlerRecord | ListenerRecord, Row extends HandlerRow | ListenerRow>(row: Row, toRecord: (row: Row) => R): R {
  const key = Object.values(row).join('\u0000')
  const hit = parsed.get(row.id)
  if (hit && hit.key === key) return hit.record as R
  if (parsed.size >= MAX_PARSED) parsed.clear()
  const record = toRecord(row)
  parsed.set(row.id, { key, record })
  return record
}

/** Enabled handlers for any of `types`, and every enabled listener: what routing needs for one batch. */
export function activeSubscriptions(hot: HotPath, types: Iterable<string>): { handlers: HandlerRecord[]; listeners: ListenerRecord[] } {
  const handlers: HandlerRecord[] = []
  for (const type of types) for (const row of hot.handlersOf(type)) handlers.push(cached(row, toHandlerRecord))
  return { handlers, listeners: hot.listeners().map((row) => cached(row, toListenerRecord)) }
}
