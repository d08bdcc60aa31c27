import type { Insertable } from 'kysely'
import type { EventRecord } from '../src/model/event.js'
import type { ExecutorType } from '../src/model/handler.js'
import { executionRows, matchingSubscriptions, type RetryDefaults } from '../src/runtime/router.js'
import type { Db } from '../src/store/database.js'
import type { HotPath } from '../src/store/hot-path.js'
import { toEventRecord, type EventRow } from '../src/store/repositories/events.js'
import type { ExecutionRow } from '../src/store/repositories/executions.js'
import type { EventExecutionsTable } from '../src/store/schema.js'
import { activeSubscriptions } from '../src/store/repositories/subscriptions.js'

export interface WorkItem {
  execution: ExecutionRow
  event: EventRecord
}

/** Runs inside the routing transaction with the events just routed (the workflow host resumes waits). */
export type RouteHook = (trx: Db, events: EventRecord[]) => Promise<void>

export interface RouteContext {
  hot: HotPath
  /** Leases the new executions to this runtime (null: to nobody, for any runtime to take). */
  runtimeId: string | null
  defaults: RetryDefaults
  onRouted?: RouteHook
  /**
   * Asked once per new execution, highest priority first: true reserves a slot in this runtime's
   * pool, and the execution is stored `running`, attempt 1, so no second transaction is needed to
   * start it. The caller releases every slot reserved for an execution not in `claimed` (none
   * stored, or the transaction failed).
   */
  claim?(executorType: ExecutorType): boolean
}

/** A runtime's pool slots, reserved by routing for executions it stores `running` (the dispatcher). */
export interface Slots {
  claim(executorType: ExecutorType): boolean
  unclaim(executorType: ExecutorType): void
  /** Runs executions committed `running`, attempt 1, in slots `claim` reserved. */
  runClaimed(items: WorkItem[]): void
}

/**
 * The slots one routing transaction reserves: after the commit, `run` starts the claimed
 * executions and gives back any slot no stored execution took; if the transaction fails,
 * `release` gives back every slot.
 */
export class SlotReservations {
  private readonly reserved: ExecutorType[] = []

  constructor(private readonly slots: Slots) {}

  readonly claim = (type: ExecutorType): boolean => {
    if (!this.slots.claim(type)) return false
    this.reserved.push(type)
    return true
  }

  run(claimed: WorkItem[]): void {
    const left = new Map<ExecutorType, number>()
    for (const type of this.reserved) left.set(type, (left.get(type) ?? 0) + 1)
    for (const item of claimed) {
      const type = item.execution.executor_type as ExecutorType
      left.set(type, left.get(type)! - 1)
    }
    this.reserved.length = 0
    for (const [type, n] of left) for (let i = 0; i < n; i++) this.slots.unclaim(type)
    if (claimed.length) this.slots.runClaimed(claimed)
  }

  release(): void {
    for (const type of this.reserved.splice(0)) this.slots.unclaim(type)
  }
}

export interface Routed {
  /** Stored `pending`: for the dispatcher's queue. */
  queued: WorkItem[]
  /** Stored `running`, attempt 1, their slot reserved by `claim`: to run at once after the commit. */
  claimed: WorkItem[]
}

/**
 * Routes events inside the caller's transaction: each event still waiting (`pending`, never
 * routed) is marked routed with its number of executions (completed at once when nothing
 * matches), and one execution is stored per matching subscription. An event routed or cancelled
 * meanwhile is left alone, so routing the same event twice creates nothing.
 */
export async function routeRecords(trx: Db, events: readonly EventRecord[], ctx: RouteContext, now: string): Promise<Routed> {
  const routed: Routed = { queued: [], claimed: [] }
  if (events.length === 0) return routed
  const { handlers, listeners } = activeSubscriptions(ctx.hot, new Set(events.map((e) => e.type)))
  const done: EventRecord[] = []
  const rows: { row: Insertable<EventExecutionsTable>; event: EventRecord }[] = []
  const seen = new Set<string>()
  for (const event of events) {
    if (seen.has(event.id)) continue
    seen.add(event.id)
    const own = executionRows(event, matchingSubscriptions(event, handlers, listeners), ctx.defaults, ctx.runtimeId, now)
    if (!ctx.hot.routeEvent(event.id, own.length, now)) continue
    done.push(event)
    const routedEvent = { ...event, status: 'processing' as const }
    for (const row of own) rows.push({ row, event: routedEvent })
  }
  // Highest execution priority first (a handler's own priority overrides its event's), so the
  // pool's free slots go to the most urgent executions of the batch; the sort keeps arrival order among equals.
  rows.sort((a, b) => b.row.priority_rank - a.row.priority_rank)
  for (const { row, event } of rows) {
    const claimed = ctx.claim?.(row.executor_type as ExecutorType) ?? false
    if (claimed) {
      row.status = 'running'
      row.attempts = 1
      row.started_at = now
    }
    // A pair stored already (never for an event routed only now, but an imported store may hold one) is not run twice.
    if (!ctx.hot.insertExecution(row)) continue
    const item = { execution: row as ExecutionRow, event }
    if (claimed) routed.claimed.push(item)
    else routed.queued.push(item)
  }
  await ctx.onRouted?.(trx, done)
  return routed
}

/** Routes stored events (the recovery sweep): their executions are queued, none claimed. */
export async function routeEvents(
  trx: Db,
  events: EventRow[],
  ctx: Omit<RouteContext, 'claim'>,
  now: string,
): Promise<WorkItem[]> {
  return (await routeRecords(trx, events.map(toEventRecord), ctx, now)).queued
}
