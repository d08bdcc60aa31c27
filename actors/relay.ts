import type { Db } from '../src/store/database.js'
import { wireBodyOfRow } from '../src/runtime/event-publisher.js'
import { markPublished, unroutedEvents } from '../src/store/repositories/events.js'

/**
 * Re-sends every accepted event that is still unrouted, with its id as the message id (the stream
 * drops one it holds already). Run after a reconnect: nats.js discards what was published while the
 * connection was down, so without this those events would wait for the recovery sweep.
 */
export async function relayUnrouted(db: Db, publish: (type: string, id: string, body: string) => void, limit = 2000): Promise<number> {
  const at = new Date().toISOString()
  let total = 0
  for (;;) {
    const rows = await unroutedEvents(db, at, limit)
    for (const row of rows) publish(row.type, row.id, wireBodyOfRow(row))
    // Marked with `at`, so the next page (published_at < at) moves on past them.
    await markPublished(db, rows.map((r) => r.id), at)
    total += rows.length
    if (rows.length < limit) return total
  }
}
