import type { Db } from '../src/store/database.js'
import type { EventRow } from '../src/store/repositories/events.js'
import type { WorkItem } from './ingest.js'
import type { HostAttachment } from './workflow-host.js'
import type { AfterCommit } from './workflow-perform.js'

export interface HandOverDeps {
  db: Db
  runtimeId: string
  /** The running runtime's dispatcher and timer, or null outside one (the CLI). */
  attachment: HostAttachment | null
  publish(rows: EventRow[]): void
  wake(): void
}

/**
 * What a workflow decision needs once its transaction has ended: new step runs to the dispatcher
 * (those stored claimed start at once; a slot no stored row took is given back), emitted events to
 * NATS, the earliest new timer to the wake-ups. Its first read waits for the one connection, so it
 * runs after the deciding transaction, and it only hands over rows that exist (a rolled-back
 * decision leaves none).
 */
export async function handOver(out: AfterCommit, deps: HandOverDeps): Promise<void> {
  const { db, attachment } = deps
  if (out.steps.length) {
    const live = new Set<string>()
    const all = [...new Set(out.steps.map((s) => s.execution.id))]
    try {
      for (let i = 0; i < all.length; i += 500) {
        const rows = await db.selectFrom('event_executions').select(['id', 'status']).where('id', 'in', all.slice(i, i + 500)).where('status', 'in', ['pending', 'running']).execute()
        for (const r of rows) if (r.status === 'pending' || out.claimed?.has(r.id)) live.add(r.id)
      }
    } catch (err) {
      out.claims?.release()
      throw err
    }
    const claimed: WorkItem[] = []
    const queued: WorkItem[] = []
    for (const step of out.steps) {
      if (!live.has(step.execution.id)) continue
      if (out.claimed?.has(step.execution.id)) claimed.push(step)
      else queued.push(step)
    }
    out.claims?.run(claimed)
    const ours = queued.filter((s) => s.execution.lease_owner === deps.runtimeId)
    if (attachment && ours.length) attachment.dispatch(ours)
    if (queued.some((s) => s.execution.lease_owner === null)) deps.wake()
  } else out.claims?.release()
  if (out.emitted.length) {
    const rows = await db.selectFrom('events').selectAll().where('id', 'in', out.emitted).where('status', '=', 'pending').where('routed_at', 'is', null).execute()
    if (rows.length) deps.publish(rows)
  }
  if (out.timers.length) {
    if (attachment) attachment.notifyTimer(Math.min(...out.timers))
    else deps.wake()
  }
}
