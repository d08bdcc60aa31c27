import { hostname } from 'node:os'
import type { Logger } from '../src/runtime/logger.js'
import type { RetryDefaults } from '../src/runtime/router.js'
import type { Db } from '../src/store/database.js'
import type { HotPath } from '../src/store/hot-path.js'
import { wireBodyOfRow } from '../src/runtime/event-publisher.js'
import { toEventRecord, type EventRow } from '../src/store/repositories/events.js'
import type { ExecutionRow } from '../src/store/repositories/executions.js'
import { writeTransaction } from '../src/store/transaction.js'
import { routeEvents, routeRecords, SlotReservations, type Routed, type RouteHook, type Slots, type WorkItem } from './routing.js'
import type { DueSource } from './wakeups.js'

export const HEARTBEAT_MS = 2000
/** A runtime whose heartbeat is older than this is dead, and its leases are taken over. */
export const DEAD_AFTER_MS = 15_000
/** An accepted event still unrouted after this long is routed straight from the database. */
export const UNROUTED_GRACE_MS = 5_000

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Runtime ids whose leases may be taken over: stopped, silent too long, or a process of this host that is gone. */
export async function deadRuntimes(db: Db, selfId: string, now: number): Promise<string[]> {
  const rows = await db.selectFrom('runtime_instances').selectAll().where('id', '!=', selfId).execute()
  const host = hostname()
  return rows
    .filter(
      (r) =>
        r.stopped_at !== null ||
        Date.parse(r.heartbeat_at) < now - DEAD_AFTER_MS ||
        (r.hostname === host && !pidAlive(r.pid)),
    )
    .map((r) => r.id)
}

async function loadItems(db: Db, executions: ExecutionRow[]): Promise<WorkItem[]> {
  if (executions.length === 0) return []
  const ids = [...new Set(executions.map((e) => e.event_id))]
  const events = await db.selectFrom('events').selectAll().where('id', 'in', ids).execute()
  const byId = new Map(events.map((e) => [e.id, toEventRecord(e)]))
  return executions.filter((e) => byId.has(e.event_id)).map((execution) => ({ execution, event: byId.get(execution.event_id)! }))
}

export interface RecoveryDeps {
  db: Db
  hot: HotPath
  /** This runtime's pool slots: released held events that find one run at once (see ingest). */
  slots?: Slots
  runtimeId: string
  defaults: RetryDefaults
  log: Logger
  dispatch(items: WorkItem[]): void
  hasRoom(): boolean
  /** Told of the events routed, inside the routing transaction (workflow waits). */
  onRouted?: RouteHook
}

/**
 * Takes over work nobody is doing: executions leased by dead runtimes (an attempt cut short by a
 * crash is recorded as `interrupted` and runs again under the same idempotency key), executions
 * released without an owner (redrive, a runtime's clean stop), and events accepted but never
 * routed (their message was lost, or their runtime died between commit and routing).
 */
export async function recoverOrphans(deps: RecoveryDeps): Promise<number> {
  const now = Date.now()
  const nowIso = new Date(now).toISOString()
  const dead = await deadRuntimes(deps.db, deps.runtimeId, now)
  const items = await writeTransaction(deps.db, async (trx) => {
    const orphanFilter = (q: ReturnType<typeof trx.selectFrom<'event_executions'>>) =>
      q.where((eb) =>
        eb.or([
          eb('lease_owner', 'is', null),
          ...(dead.length ? [eb('lease_owner', 'in', dead)] : []),
        ]),
      )
    const interrupted = await orphanFilter(trx.selectFrom('event_executions'))
      .selectAll()
      .where('status', '=', 'running')
      .execute()
    if (interrupted.length) {
      await trx
        .insertInto('execution_attempts')
        .values(
          interrupted.map((e) => ({
            execution_id: e.id,
            attempt: e.attempts,
            runtime_id: e.lease_owner,
            outcome: 'interrupted',
            error: `runtime ${e.lease_owner ?? '(none)'} stopped during the attempt; it runs again`,
            details: null,
            started_at: e.updated_at,
            finished_at: nowIso,
            duration_ms: Math.max(0, now - Date.parse(e.updated_at)),
          })),
        )
        .execute()
    }
    const ids = (await orphanFilter(trx.selectFrom('event_executions')).select('id').where('status', 'in', ['pending', 'running']).execute()).map(
      (r) => r.id,
    )
    const claimed: ExecutionRow[] = []
    for (let i = 0; i < ids.length; i += 500) {
      claimed.push(
        ...(await trx
          .updateTable('event_executions')
          .set({ status: 'pending', lease_owner: deps.runtimeId, updated_at: nowIso })
          .where('id', 'in', ids.slice(i, i + 500))
          .returningAll()
          .execute()),
      )
    }
    const unrouted = await trx
      .selectFrom('events')
      .selectAll()
      .where('status', '=', 'pending')
      .where('routed_at', 'is', null)
      .where('created_at', '<', new Date(now - UNROUTED_GRACE_MS).toISOString())
      .limit(5000)
      .execute()
    const routed = await routeEvents(trx, unrouted, deps, nowIso)
    return [...(await loadItems(trx, claimed)), ...routed]
  })
  if (items.length) {
    deps.log.info('recovery: took over orphaned work', { executions: items.length, dead_runtimes: dead.length })
    deps.dispatch(items)
  }
  return items.length
}

/** Retry back-offs: at the stored time, the execution is claimed by one runtime and runs again. */
export function retrySource(deps: RecoveryDeps): DueSource {
  return {
    name: 'retries',
    async nextDueAt() {
      const row = await deps.db
        .selectFrom('event_executions')
        .select((eb) => eb.fn.min('next_attempt_at').as('next'))
        .where('next_attempt_at', 'is not', null) // the partial index holds only rows waiting for a retry
        .where('status', '=', 'retrying')
        .executeTakeFirst()
      return row?.next ? Date.parse(row.next) : null
    },
    async fireDue(now) {
      if (!deps.hasRoom()) return
      const nowIso = new Date(now).toISOString()
      // A read first: most ticks find nothing due, and need not take the write lock to learn it.
      const any = await deps.db
        .selectFrom('event_executions')
        .select('id')
        .where('next_attempt_at', '<=', nowIso)
        .where('status', '=', 'retrying')
        .limit(1)
        .executeTakeFirst()
      if (!any) return
      const claimed = await writeTransaction(deps.db, async (trx) => {
        const due = await trx
          .selectFrom('event_executions')
          .select('id')
          .where('status', '=', 'retrying')
          .where('next_attempt_at', '<=', nowIso)
          .orderBy('next_attempt_at')
          .limit(1000)
          .execute()
        if (due.length === 0) return []
        return trx
          .updateTable('event_executions')
          .set({ status: 'pending', lease_owner: deps.runtimeId, next_attempt_at: null, updated_at: nowIso })
          .where('id', 'in', due.map((d) => d.id))
          .where('status', '=', 'retrying')
          .returningAll()
          .execute()
      })
      deps.dispatch(await loadItems(deps.db, claimed))
    },
  }
}

/**
 * Events created with a future `scheduled_at`: at that time they are released and routed in one
 * transaction (the routing ingest and the recovery sweep share), their executions run here at once,
 * and the message still goes to the stream, where ingest finds the event routed and only acks it
 * (docs/decisions/0011-held-events-routed-at-release.md).
 */
export function heldEventsSource(deps: RecoveryDeps & { publish(type: string, id: string, body: string): void }): DueSource {
  return {
    name: 'held-events',
    async nextDueAt() {
      const row = await deps.db
        .selectFrom('events')
        .select((eb) => eb.fn.min('scheduled_at').as('next'))
        .where('status', '=', 'scheduled')
        .executeTakeFirst()
      return row?.next ? Date.parse(row.next) : null
    },
    async fireDue(now) {
      const nowIso = new Date(now).toISOString()
      const reservations = deps.slots ? new SlotReservations(deps.slots) : null
      let result: { released: EventRow[]; routed: Routed }
      try {
        result = await writeTransaction(deps.db, async (trx) => {
          const released = await trx
            .updateTable('events')
            .set({ status: 'pending', updated_at: nowIso })
            .where('status', '=', 'scheduled')
            .where('scheduled_at', '<=', nowIso)
            .returningAll()
            .execute()
          // With the dispatcher full, the events go the ordinary way: any runtime's ingest routes them.
          if (!deps.hasRoom()) return { released, routed: { queued: [], claimed: [] } }
          const ctx = { hot: deps.hot, runtimeId: deps.runtimeId, defaults: deps.defaults, onRouted: deps.onRouted, claim: reservations?.claim }
          return { released, routed: await routeRecords(trx, released.map(toEventRecord), ctx, nowIso) }
        })
      } catch (err) {
        reservations?.release()
        throw err
      }
      const { released, routed } = result
      reservations?.run(routed.claimed)
      if (routed.queued.length) deps.dispatch(routed.queued)
      // Published a turn later, after the dispatcher's attempt start: the handler does not wait for it.
      if (released.length) {
        setImmediate(() => {
          try {
            for (const row of released) {
              deps.publish(row.type, row.id, wireBodyOfRow(row))
            }
          } catch (err) {
            // Committed already: an unrouted event is routed by the recovery sweep, a routed one only misses its stream copy.
            deps.log.warn('held events: cannot publish released events', { error: String(err), events: released.length })
          }
        })
      }
    },
  }
}

/** The heartbeat every HEARTBEAT_MS, and the orphan sweep every `sweepEveryMs` or sooner when asked. */
export function maintenanceSource(deps: RecoveryDeps, sweepEveryMs: number): DueSource & { sweepSoon(): void } {
  let nextBeat = 0
  let nextSweep = 0
  return {
    name: 'heartbeat-and-recovery',
    nextDueAt: async () => Math.min(nextBeat, nextSweep),
    async fireDue(at) {
      if (at >= nextBeat) {
        await heartbeat(deps.db, deps.runtimeId)
        nextBeat = at + HEARTBEAT_MS
      }
      if (at >= nextSweep) {
        nextSweep = at + sweepEveryMs
        await recoverOrphans(deps)
      }
    },
    sweepSoon() {
      nextSweep = 0
    },
  }
}

/** Keeps this runtime's row alive, so others can tell it from a dead one. */
export async function heartbeat(db: Db, runtimeId: string): Promise<void> {
  await db.updateTable('runtime_instances').set({ heartbeat_at: new Date().toISOString() }).where('id', '=', runtimeId).execute()
}
