import type { ExecutorType } from '../src/model/handler.js'
import type { WorkItem } from './ingest.js'

const RANKS = 4

/**
 * Queued executions by priority rank and executor type, FIFO within each. `take` returns the
 * oldest item of the highest rank whose executor pool has a free slot, so a full pool never
 * blocks a higher-priority item bound for another pool.
 */
export class WorkQueue {
  private readonly lanes: Map<ExecutorType, WorkItem[]>[] = Array.from({ length: RANKS }, () => new Map())
  private heads: Map<ExecutorType, number>[] = Array.from({ length: RANKS }, () => new Map())
  private count = 0

  get size(): number {
    return this.count
  }

  push(item: WorkItem): void {
    const rank = Math.min(RANKS - 1, Math.max(0, item.execution.priority_rank))
    const type = item.execution.executor_type as ExecutorType
    let lane = this.lanes[rank]!.get(type)
    if (!lane) {
      lane = []
      this.lanes[rank]!.set(type, lane)
      this.heads[rank]!.set(type, 0)
    }
    lane.push(item)
    this.count++
  }

  take(hasSlot: (type: ExecutorType) => boolean): WorkItem | undefined {
    for (let rank = RANKS - 1; rank >= 0; rank--) {
      for (const [type, lane] of this.lanes[rank]!) {
        const head = this.heads[rank]!.get(type)!
        if (head >= lane.length || !hasSlot(type)) continue
        const item = lane[head]!
        lane[head] = undefined as unknown as WorkItem
        if (head + 1 === lane.length) {
          lane.length = 0
          this.heads[rank]!.set(type, 0)
        } else if (head > 1024 && head * 2 > lane.length) {
          lane.splice(0, head + 1)
          this.heads[rank]!.set(type, 0)
        } else this.heads[rank]!.set(type, head + 1)
        this.count--
        return item
      }
    }
    return undefined
  }

  /** Removes and returns everything queued. */
  clear(): WorkItem[] {
    const out: WorkItem[] = []
    for (let rank = 0; rank < RANKS; rank++) {
      for (const [type, lane] of this.lanes[rank]!) out.push(...lane.slice(this.heads[rank]!.get(type)!))
      this.lanes[rank]!.clear()
      this.heads[rank]!.clear()
    }
    this.count = 0
    return out
  }
}
