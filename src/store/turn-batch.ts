/**
 * Collects what is added within one event-loop turn and hands it over as one batch on the next
 * (group commit: one transaction for every request of a turn). `flush` owns error handling.
 */
export class TurnBatch<T> {
  private items: T[] = []
  private scheduled = false

  constructor(private readonly flush: (items: T[]) => Promise<void>) {}

  add(item: T): void {
    this.items.push(item)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      const items = this.items
      this.items = []
      void this.flush(items)
    })
  }
}
