import { NotFoundError, parseInput, UnsupportedError, ValidationError } from '../errors.js'
import type { Executor } from '../executors/types.js'
import {
  registerHandlerSchema,
  registerListenerSchema,
  type ExecutorType,
  type HandlerRecord,
  type ListenerRecord,
  type RegisterHandlerInput,
  type RegisterListenerInput,
} from '../model/handler.js'
import { newId } from '../model/ids.js'
import type { Db } from '../store/database.js'
import { toHandlerRecord, toListenerRecord } from '../store/repositories/subscriptions.js'
import { audit } from './audit.js'

export interface SubscriptionsApiDeps {
  db: Db
  actor: string
  executors: ReadonlyMap<ExecutorType, Executor>
  /** Executor types switched off in config, with the reason to give. */
  disabled: ReadonlyMap<ExecutorType, string>
  /**
   * Whether this process can check function names (it registers functions). The CLI cannot: a
   * function handler registered there runs in the runtime that registers the function.
   */
  checkFunctionNames(): boolean
}

type Kind = 'handler' | 'listener'
const TABLE = { handler: 'event_handlers', listener: 'event_listeners' } as const

/** Registering, listing, enabling, disabling and removing handlers and listeners. */
export class SubscriptionsApi {
  constructor(private readonly deps: SubscriptionsApiDeps) {}

  private validateExecutor(type: ExecutorType, configuration: Record<string, unknown>): void {
    const off = this.deps.disabled.get(type)
    if (off) throw new UnsupportedError(off)
    const executor = this.deps.executors.get(type)
    if (!executor) throw new UnsupportedError(`executor "${type}" is not available in this version of sp-events`)
    if (type === 'function' && !this.deps.checkFunctionNames()) {
      const name = configuration.function
      if (typeof name !== 'string' || !name) throw new ValidationError('configuration.function', 'required: the name of a registered function')
      return
    }
    executor.validateConfig(configuration)
  }

  async registerHandler(input: RegisterHandlerInput): Promise<HandlerRecord> {
    const h = parseInput(registerHandlerSchema, input)
    this.validateExecutor(h.executor_type, h.configuration)
    const now = new Date().toISOString()
    const row = await this.deps.db
      .insertInto('event_handlers')
      .values({
        id: newId('hnd'),
        name: h.name ?? null,
        event_type: h.event_type,
        executor_type: h.executor_type,
        configuration: JSON.stringify(h.configuration),
        retry_policy: h.retry_policy ? JSON.stringify(h.retry_policy) : null,
        conditions: JSON.stringify(h.conditions),
        priority: h.priority ?? null,
        timeout_ms: h.timeout_ms ?? null,
        enabled: h.enabled ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await audit(this.deps.db, this.deps.actor, 'handler.register', { type: 'handler', id: row.id }, { event_type: h.event_type, executor_type: h.executor_type })
    return toHandlerRecord(row)
  }

  async registerListener(input: RegisterListenerInput): Promise<ListenerRecord> {
    const l = parseInput(registerListenerSchema, input)
    this.validateExecutor(l.executor_type, l.configuration)
    const now = new Date().toISOString()
    const row = await this.deps.db
      .insertInto('event_listeners')
      .values({
        id: newId('lsn'),
        name: l.name ?? null,
        event_pattern: l.event_pattern,
        executor_type: l.executor_type,
        configuration: JSON.stringify(l.configuration),
        retry_policy: l.retry_policy ? JSON.stringify(l.retry_policy) : null,
        filter_conditions: JSON.stringify([...(l.filter_conditions ?? []), ...l.conditions]),
        priority: l.priority ?? null,
        timeout_ms: l.timeout_ms ?? null,
        enabled: l.enabled ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await audit(this.deps.db, this.deps.actor, 'listener.register', { type: 'listener', id: row.id }, { event_pattern: l.event_pattern, executor_type: l.executor_type })
    return toListenerRecord(row)
  }

  async listHandlers(filter: { event_type?: string } = {}): Promise<HandlerRecord[]> {
    let q = this.deps.db.selectFrom('event_handlers').selectAll()
    if (filter.event_type) q = q.where('event_type', '=', filter.event_type)
    return (await q.orderBy('created_at').execute()).map(toHandlerRecord)
  }

  async listListeners(): Promise<ListenerRecord[]> {
    return (await this.deps.db.selectFrom('event_listeners').selectAll().orderBy('created_at').execute()).map(toListenerRecord)
  }

  async setEnabled(kind: Kind, id: string, enabled: boolean): Promise<void> {
    const result = await this.deps.db
      .updateTable(TABLE[kind])
      .set({ enabled: enabled ? 1 : 0, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0) throw new NotFoundError(kind, id)
    await audit(this.deps.db, this.deps.actor, `${kind}.${enabled ? 'enable' : 'disable'}`, { type: kind, id })
  }

  /** Removes a handler or listener; executions already created keep their copy of its configuration. */
  async remove(kind: Kind, id: string): Promise<void> {
    const result = await this.deps.db.deleteFrom(TABLE[kind]).where('id', '=', id).executeTakeFirst()
    if (Number(result.numDeletedRows) === 0) throw new NotFoundError(kind, id)
    await audit(this.deps.db, this.deps.actor, `${kind}.remove`, { type: kind, id })
  }
}
