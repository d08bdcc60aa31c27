import type { Insertable } from 'kysely'
import { NotFoundError } from '../src/errors.js'
import type { Db } from '../src/store/database.js'
import { toEventRecord } from '../src/store/repositories/events.js'
import type { AuditLogTable } from '../src/store/schema.js'
import { writeTransaction } from '../src/store/transaction.js'
import { resolveWorkflowInput } from '../src/workflow/inputs.js'
import type { WorkflowHost } from './workflow-host.js'
import { emptyAfterCommit, type WorkflowExecutionRow } from './workflow-perform.js'
import { TurnBatch } from '../src/store/turn-batch.js'

export interface StartRequest {
  id: string
  workflowId: string
  version?: number
  input: unknown
  triggerEventId?: string
}

/** `created` with the stored row, or `existing` when the id was taken already. */
export type StartOutcome<V> = { created: true; view: V } | { created: false }

interface Pending<V> {
  request: StartRequest
  resolve(outcome: StartOutcome<V>): void
  reject(err: unknown): void
}

export interface WorkflowStartsDeps<V> {
  db: Db
  host: WorkflowHost
  actor: string
  /** The views of rows just created, read in the same transaction. */
  views(trx: Db, rows: WorkflowExecutionRow[]): Promise<V[]>
}

/**
 * Group commit for workflow starts: every start of one event-loop turn is stored (execution, first
 * transition, its effects, the audit line, then its view read back) in one transaction, and each
 * promise settles after that commit. A request that is invalid fails alone; if the transaction
 * itself fails, each request of the batch is tried again in its own.
 */
export class WorkflowStarts<V> {
  private readonly batch = new TurnBatch<Pending<V>>((batch) => this.flush(batch))

  constructor(private readonly deps: WorkflowStartsDeps<V>) {}

  start(request: StartRequest): Promise<StartOutcome<V>> {
    return new Promise((resolve, reject) => this.batch.add({ request, resolve, reject }))
  }

  private async flush(batch: Pending<V>[]): Promise<void> {
    for (let i = 0; i < batch.length; i += 500) {
      const chunk = batch.slice(i, i + 500)
      try {
        await this.commit(chunk)
      } catch (err) {
        if (chunk.length === 1) chunk[0]!.reject(err)
        else for (const p of chunk) await this.commit([p]).catch((e: unknown) => p.reject(e))
      }
    }
  }

  private async commit(batch: Pending<V>[]): Promise<void> {
    const { db, host, actor } = this.deps
    const out = emptyAfterCommit()
    const settled = await writeTransaction(db, async (trx) => {
      const results: ({ ok: StartOutcome<V> } | { err: unknown })[] = []
      const triggerIds = batch.flatMap((p) => (p.request.triggerEventId ? [p.request.triggerEventId] : []))
      const triggers = new Map((triggerIds.length ? await trx.selectFrom('events').selectAll().where('id', 'in', triggerIds).execute() : []).map((r) => [r.id, r]))
      const created: WorkflowExecutionRow[] = []
      const audits: Insertable<AuditLogTable>[] = []
      const at = new Date().toISOString()
      // One definition lookup per (workflow, version) and batch: "latest" is a query, not a cache hit.
      const definitions = new Map<string, ReturnType<WorkflowHost['machines']['load']>>()
      const load = (id: string, version?: number) => {
        const key = `${id}@${version ?? 'latest'}`
        let hit = definitions.get(key)
        if (!hit) definitions.set(key, (hit = host.machines.load(trx, id, version)))
        return hit
      }
      for (const { request: r } of batch) {
        let prepared
        try {
          const compiled = await load(r.workflowId, r.version)
          const trigger = r.triggerEventId ? triggers.get(r.triggerEventId) : undefined
          if (r.triggerEventId && !trigger) throw new NotFoundError('event', r.triggerEventId)
          prepared = { id: r.id, compiled, input: resolveWorkflowInput(compiled.definition, r.input), trigger: trigger ? toEventRecord(trigger) : null }
        } catch (err) {
          // Refused before anything was written for it: the others go on.
          results.push({ err })
          continue
        }
        const row = await host.create(trx, prepared, out)
        if (!row) {
          results.push({ ok: { created: false } })
          continue
        }
        created.push(row)
        results.push({ ok: { created: true, view: null as V } })
        const details = JSON.stringify({ workflow_id: r.workflowId, version: prepared.compiled.version })
        audits.push({ at, actor, action: 'workflow.start', entity_type: 'workflow_execution', entity_id: r.id, details })
      }
      for (let i = 0; i < audits.length; i += 500) await trx.insertInto('audit_log').values(audits.slice(i, i + 500)).execute()
      const views = await this.deps.views(trx, created)
      let v = 0
      for (const result of results) if ('ok' in result && result.ok.created) result.ok.view = views[v++]!
      return results
    })
    host.settle(out)
    settled.forEach((result, i) => ('ok' in result ? batch[i]!.resolve(result.ok) : batch[i]!.reject(result.err)))
  }
}
