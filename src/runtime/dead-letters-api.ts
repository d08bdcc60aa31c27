import { ConflictError, NotFoundError } from '../errors.js'
import type { RetryPolicy } from '../model/retry-policy.js'
import type { Db } from '../store/database.js'
import { writeTransaction } from '../store/transaction.js'
import { audit } from './audit.js'

export interface DeadLetter {
  id: string
  kind: 'execution' | 'message'
  execution_id: string | null
  event_id: string | null
  subject: string | null
  payload: string | null
  reason: string
  created_at: string
  redriven_at: string | null
  redrive_count: number
}

/** The dead letters: executions that ran out of attempts, and messages that could not be read. */
export class DeadLettersApi {
  constructor(private readonly deps: { db: Db; actor: string; wake(): void }) {}

  async list(filter: { kind?: 'execution' | 'message'; include_redriven?: boolean; limit?: number } = {}): Promise<DeadLetter[]> {
    let q = this.deps.db.selectFrom('dead_letters').selectAll()
    if (filter.kind) q = q.where('kind', '=', filter.kind)
    if (!filter.include_redriven) q = q.where('redriven_at', 'is', null)
    const rows = await q.orderBy('created_at', 'desc').limit(filter.limit ?? 100).execute()
    return rows.map((r) => ({ ...r, kind: r.kind as DeadLetter['kind'] }))
  }

  /**
   * Runs a dead execution again with a fresh attempt budget (its attempt count goes on, its
   * idempotency key stays). Whichever runtime is running picks it up.
   */
  async redrive(id: string): Promise<{ execution_id: string; event_id: string }> {
    const now = new Date().toISOString()
    const result = await writeTransaction(this.deps.db, async (trx) => {
      const letter = await trx.selectFrom('dead_letters').selectAll().where('id', '=', id).executeTakeFirst()
      if (!letter) throw new NotFoundError('dead letter', id)
      if (letter.kind !== 'execution' || !letter.execution_id || !letter.event_id) {
        throw new ConflictError(`dead letter "${id}" is an unreadable message, not an execution: fix the publisher and publish it again`)
      }
      if (letter.redriven_at) throw new ConflictError(`dead letter "${id}" was already redriven at ${letter.redriven_at}`)
      const execution = await trx.selectFrom('event_executions').selectAll().where('id', '=', letter.execution_id).executeTakeFirstOrThrow()
      if (execution.status !== 'failed') throw new ConflictError(`execution "${execution.id}" is ${execution.status}, not failed`)
      const policy = JSON.parse(execution.retry_policy) as RetryPolicy
      policy.max_attempts = execution.attempts + execution.max_attempts
      await trx
        .updateTable('event_executions')
        .set({ status: 'pending', lease_owner: null, retry_policy: JSON.stringify(policy), completed_at: null, next_attempt_at: null, updated_at: now })
        .where('id', '=', execution.id)
        .execute()
      await trx
        .updateTable('events')
        .set((eb) => ({
          status: 'processing',
          open_executions: eb('open_executions', '+', 1),
          failed_executions: eb('failed_executions', '-', 1),
          completed_at: null,
          updated_at: now,
        }))
        .where('id', '=', execution.event_id)
        .execute()
      await trx
        .updateTable('dead_letters')
        .set((eb) => ({ redriven_at: now, redrive_count: eb('redrive_count', '+', 1) }))
        .where('id', '=', id)
        .execute()
      return { execution_id: execution.id, event_id: execution.event_id }
    })
    await audit(this.deps.db, this.deps.actor, 'dead_letter.redrive', { type: 'dead_letter', id }, result)
    this.deps.wake()
    return result
  }
}
