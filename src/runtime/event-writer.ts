import type { Insertable } from 'kysely'
import type { Db } from '../store/database.js'
import type { HotPath } from '../store/hot-path.js'
import type { EventRow } from '../store/repositories/events.js'
import type { EventsTable } from '../store/schema.js'
import { writeTransaction } from '../store/transaction.js'
import { TurnBatch } from '../store/turn-batch.js'

interface Pending {
  row: Insertable<EventsTable>
  resolve(result: { row: EventRow; created: boolean }): void
  reject(err: unknown): void
}

/**
 * Group commit for accepted events: every `write` made in one event-loop turn is stored in one
 * transaction, and each promise resolves only after that commit. An id that exists already
 * resolves with the stored event (`created: false`), which makes createEvent with an id idempotent.
 */
export class EventWriter {
  private readonly batch = new TurnBatch<Pending>((batch) => this.flush(batch))

  constructor(
    private readonly db: Db,
    private readonly hot: () => HotPath,
    private readonly afterCommit: (rows: EventRow[]) => void,
  ) {}

  write(row: Insertable<EventsTable>): Promise<{ row: EventRow; created: boolean }> {
    return new Promise((resolve, reject) => this.batch.add({ row, resolve, reject }))
  }

  private async flush(batch: Pending[]): Promise<void> {
    try {
      const { inserted, stored } = await writeTransaction(this.db, async (trx) => {
        const hot = this.hot()
        const inserted = new Set<string>()
        for (const p of batch) if (hot.insertEvent(p.row)) inserted.add(p.row.id)
        const existingIds = batch.filter((p) => !inserted.has(p.row.id)).map((p) => p.row.id)
        const stored = new Map<string, EventRow>()
        for (let i = 0; i < existingIds.length; i += 500) {
          for (const r of await trx.selectFrom('events').selectAll().where('id', 'in', existingIds.slice(i, i + 500)).execute()) stored.set(r.id, r)
        }
        return { inserted, stored }
      })
      const created: EventRow[] = []
      const results = batch.map((p) => {
        if (inserted.has(p.row.id)) {
          inserted.delete(p.row.id) // a second write of the same id in this batch is the repeat
          const row = { open_executions: 0, failed_executions: 0, ...p.row } as EventRow
          stored.set(row.id, row)
          created.push(row)
          return { row, created: true }
        }
        return { row: stored.get(p.row.id) ?? ({ open_executions: 0, failed_executions: 0, ...p.row } as EventRow), created: false }
      })
      this.afterCommit(created)
      batch.forEach((p, i) => p.resolve(results[i]!))
    } catch (err) {
      for (const p of batch) p.reject(err)
    }
  }
}
