import type { Insertable } from 'kysely'
import type { EventPriority } from '../../src/model/event.js'
import type { EventHandlersTable } from '../../src/store/schema.js'

/** An enabled `event_handlers` row for a function handler, as stored, for tests that write the store directly. */
export function handlerRow(id: string, eventType: string, priority: EventPriority | null = null, at = new Date().toISOString()): Insertable<EventHandlersTable> {
  return {
    id,
    name: null,
    event_type: eventType,
    executor_type: 'function',
    configuration: '{"function":"f"}',
    retry_policy: null,
    conditions: '[]',
    priority,
    timeout_ms: null,
    enabled: 1,
    created_at: at,
    updated_at: at,
  }
}
