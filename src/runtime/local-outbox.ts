import type { EventRecord } from '../model/event.js'
import { toEventRecord, type EventRow } from '../store/repositories/events.js'

/**
 * The events this process committed and published while its runtime runs, held until its own
 * ingest receives their message: ingest then routes the record it already has instead of parsing,
 * validating, storing and reading back what the event writer stored a moment ago. The message
 * still takes the one path (NATS, ingest, routing); only the repeated work is skipped. A message
 * that goes to another runtime, or is lost and routed by the recovery sweep, leaves its entry
 * behind until the oldest entries are dropped past `capacity`: the other path parses it as before.
 */
export class LocalOutbox {
  private readonly records = new Map<string, EventRecord>()
  private active = false

  constructor(private readonly capacity = 10_000) {}

  /** Starts (true) or stops (false, and forgets everything) keeping events. */
  setActive(active: boolean): void {
    this.active = active
    if (!active) this.records.clear()
  }

  remember(rows: readonly EventRow[]): void {
    if (!this.active) return
    for (const row of rows) if (row.status === 'pending') this.records.set(row.id, toEventRecord(row))
    for (const id of this.records.keys()) {
      if (this.records.size <= this.capacity) break
      this.records.delete(id)
    }
  }

  /** The stored record of an event this process wrote, once. */
  take(id: string): EventRecord | undefined {
    const record = this.records.get(id)
    if (record) this.records.delete(id)
    return record
  }
}
