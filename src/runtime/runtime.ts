import { hostname } from 'node:os'
import { Dispatcher } from '../../actors/dispatcher.js'
import { Ingest, type WorkItem } from '../../actors/ingest.js'
import { heartbeat, heldEventsSource, HEARTBEAT_MS, recoverOrphans, retrySource, wireBody, type RecoveryDeps } from '../../actors/recovery.js'
import { Supervisor } from '../../actors/supervisor.js'
import { Wakeups } from '../../actors/wakeups.js'
import { loadConfig, parseConfig } from '../config/load.js'
import type { Config, ConfigInput } from '../config/schema.js'
import { SpError } from '../errors.js'
import { createCommandExecutor } from '../executors/command.js'
import { createFunctionExecutor } from '../executors/function.js'
import { FunctionRegistry } from '../executors/function-registry.js'
import type { Executor } from '../executors/types.js'
import { createWebhookExecutor } from '../executors/webhook.js'
import { newId } from '../model/ids.js'
import type { ExecutorType } from '../model/handler.js'
import { migrateToLatest, openStore, type OpenedStore } from '../store/database.js'
import { toEventRecord, type EventRow } from '../store/repositories/events.js'
import { Transport } from '../transport/nats.js'
import { DeadLettersApi } from './dead-letters-api.js'
import { EventsApi } from './events-api.js'
import { EventWriter } from './event-writer.js'
import { stderrLogger, type Logger } from './logger.js'
import { collectStats, type Stats } from './stats.js'
import { SubscriptionsApi } from './subscriptions-api.js'

export interface RuntimeOptions {
  /** SQLite file (default `./data/sp.db`). */
  database?: string
  /** NATS server URL(s) (default `nats://127.0.0.1:4222`). */
  nats?: { servers?: string }
  /** Config as `config/modules.json` holds it; given here it is used instead of the file. */
  config?: ConfigInput
  /** Config file to read (default `config/modules.json` when it exists). */
  configPath?: string
  logger?: Logger
  /** Who changes things, for the audit log (`api`, `cli`). */
  actor?: string
  /** How long `stop()` waits for running attempts before aborting them (default 30 s). */
  drainTimeoutMs?: number
}

/** The facade the seed calls `EventService`: events, handlers and listeners. */
export type EventService = Pick<EventsApi, 'createEvent' | 'getEvent' | 'listEvents' | 'cancelEvent'> &
  Pick<SubscriptionsApi, 'registerHandler' | 'listHandlers' | 'registerListener' | 'listListeners'> & {
    enableHandler(id: string): Promise<void>
    disableHandler(id: string): Promise<void>
    removeHandler(id: string): Promise<void>
    enableListener(id: string): Promise<void>
    disableListener(id: string): Promise<void>
    removeListener(id: string): Promise<void>
  }

export interface Runtime {
  readonly id: string
  readonly config: Config
  readonly functions: FunctionRegistry
  readonly events: EventService
  readonly deadLetters: DeadLettersApi
  stats(): Promise<Stats>
  /** Connects to NATS and starts ingest, dispatch, wake-ups and recovery. */
  start(): Promise<void>
  /** Drains in-flight work, then closes NATS and the database. Safe to call twice. */
  stop(): Promise<void>
  /** Settles when the runtime stops; rejects if a supervised part failed past its restart budget. */
  readonly stopped: Promise<void>
  /** Observes executions as they settle (tests, metrics). */
  onSettled(listener: (item: WorkItem, ok: boolean, final: boolean) => void): () => void
}

/** Creates a runtime on a SQLite file (migrated on open) and a NATS server. Nothing runs until `start()`. */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const config = options.config ? parseConfig(options.config) : loadConfig({ path: options.configPath })
  const log = options.logger ?? stderrLogger
  const store = openStore(options.database ?? './data/sp.db')
  try {
    await migrateToLatest(store.db)
  } catch (err) {
    await store.close()
    throw err
  }
  return new RuntimeImpl(options, config, log, store)
}

class RuntimeImpl implements Runtime {
  readonly id = newId('rt')
  readonly functions = new FunctionRegistry()
  readonly events: EventService
  readonly deadLetters: DeadLettersApi
  readonly stopped: Promise<void>
  private resolveStopped!: () => void
  private rejectStopped!: (err: Error) => void
  private transport: Transport | null = null
  private connecting: Promise<Transport | null> | null = null
  private unpublished: EventRow[] = []
  private readonly executors = new Map<ExecutorType, Executor>()
  private readonly disabled = new Map<ExecutorType, string>()
  private readonly settledListeners = new Set<(item: WorkItem, ok: boolean, final: boolean) => void>()
  private dispatcher: Dispatcher | null = null
  private wakeups: Wakeups | null = null
  private supervisor: Supervisor | null = null
  private state: 'created' | 'starting' | 'running' | 'stopping' | 'stopped' = 'created'
  private readonly writer: EventWriter
  private readonly actor: string
  private readonly closers: (() => Promise<void>)[] = []

  constructor(
    private readonly options: RuntimeOptions,
    readonly config: Config,
    private readonly log: Logger,
    private readonly store: OpenedStore,
  ) {
    this.stopped = new Promise((resolve, reject) => {
      this.resolveStopped = resolve
      this.rejectStopped = reject
    })
    this.stopped.catch(() => {})
    this.actor = options.actor ?? 'api'
    const ex = config.events.executors
    this.executors.set('function', createFunctionExecutor(this.functions, { enabled: ex.function.enabled }))
    this.executors.set('command', createCommandExecutor(ex.command))
    const webhook = createWebhookExecutor(ex.webhook)
    this.executors.set('webhook', webhook)
    this.closers.push(() => webhook.close())
    for (const type of ['function', 'command', 'webhook', 'workflow'] as const) {
      if (!ex[type].enabled) this.disabled.set(type, `executors.${type}.enabled is false in the configuration: handlers of that executor are refused`)
    }
    this.writer = new EventWriter(store.db, (rows) => this.publish(rows))
    const wake = () => this.wake()
    const events = new EventsApi({ db: store.db, writer: this.writer, actor: this.actor, wake })
    const subs = new SubscriptionsApi({
      db: store.db,
      actor: this.actor,
      executors: this.executors,
      disabled: this.disabled,
      checkFunctionNames: () => this.functions.names().length > 0,
    })
    this.deadLetters = new DeadLettersApi({ db: store.db, actor: this.actor, wake })
    this.events = {
      createEvent: (i) => events.createEvent(i),
      getEvent: (id) => events.getEvent(id),
      listEvents: (f) => events.listEvents(f),
      cancelEvent: (id) => events.cancelEvent(id),
      registerHandler: (i) => subs.registerHandler(i),
      listHandlers: (f) => subs.listHandlers(f),
      registerListener: (i) => subs.registerListener(i),
      listListeners: () => subs.listListeners(),
      enableHandler: (id) => subs.setEnabled('handler', id, true),
      disableHandler: (id) => subs.setEnabled('handler', id, false),
      removeHandler: (id) => subs.remove('handler', id),
      enableListener: (id) => subs.setEnabled('listener', id, true),
      disableListener: (id) => subs.setEnabled('listener', id, false),
      removeListener: (id) => subs.remove('listener', id),
    }
  }

  stats(): Promise<Stats> {
    return collectStats(this.store.db)
  }

  onSettled(listener: (item: WorkItem, ok: boolean, final: boolean) => void): () => void {
    this.settledListeners.add(listener)
    return () => this.settledListeners.delete(listener)
  }

  /** Publishes committed events; without a connection they wait for one (the recovery sweep routes them regardless). */
  private publish(rows: EventRow[]): void {
    const ready = rows.filter((r) => r.status === 'pending')
    if (ready.length === 0) return
    const t = this.transport
    if (t && !t.isClosed()) {
      for (const r of ready) t.publishEvent(r.type, r.id, wireBody(toEventRecord(r)))
      return
    }
    this.unpublished.push(...ready)
    void this.connectForPublish()
  }

  /** Outside `start()` (the CLI), connects on first use; a failure leaves events stored for a runtime to route. */
  private connectForPublish(): Promise<Transport | null> {
    if (this.transport) return Promise.resolve(this.transport)
    this.connecting ??= Transport.connect({ url: this.natsUrl(), name: `sp-${this.actor}`, connectTimeoutMs: 2000 })
      .then((t) => {
        this.transport = t
        const rows = this.unpublished
        this.unpublished = []
        this.publish(rows)
        return t
      })
      .catch((err) => {
        this.log.warn('NATS unreachable: events are stored and a runtime will route them when it runs', { error: (err as Error).message })
        return null
      })
    return this.connecting
  }

  private natsUrl(): string {
    return this.options.nats?.servers ?? 'nats://127.0.0.1:4222'
  }

  private wake(): void {
    if (this.wakeups) this.wakeups.poke()
    if (this.transport && !this.transport.isClosed()) this.transport.wake()
    else if (this.state === 'created') void this.connectForPublish().then((t) => t?.wake())
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new SpError('conflict', `runtime is ${this.state}: start() may be called once`)
    this.state = 'starting'
    const { db } = this.store
    const p = this.config.events.processing
    const ex = this.config.events.executors
    const transport = this.transport ?? (await Transport.connect({ url: this.natsUrl(), name: `sp-runtime-${this.id}` }))
    this.transport = transport
    const now = new Date().toISOString()
    await db.insertInto('runtime_instances').values({ id: this.id, hostname: hostname(), pid: process.pid, started_at: now, heartbeat_at: now, stopped_at: null }).execute()

    const wakeups = new Wakeups(this.log, this.config.events.scheduling.checkIntervalMs)
    this.wakeups = wakeups
    let ingest: Ingest | null = null
    const dispatcher = new Dispatcher({
      db,
      runtimeId: this.id,
      log: this.log,
      executors: this.executors,
      poolLimits: { function: ex.function.maxConcurrency, command: ex.command.maxConcurrency, webhook: ex.webhook.maxConcurrency, workflow: ex.workflow.maxConcurrency },
      maxConcurrent: p.maxConcurrentEvents,
      highWater: 10_000,
      onRetryScheduled: (at) => wakeups.notify(at),
      onRoom: () => ingest?.resume(),
      onSettled: (item, outcome, final) => {
        for (const l of this.settledListeners) l(item, outcome.ok, final)
      },
    })
    this.dispatcher = dispatcher
    const deps: RecoveryDeps = {
      db,
      runtimeId: this.id,
      defaults: p,
      log: this.log,
      dispatch: (items) => dispatcher.enqueue(items),
      hasRoom: () => dispatcher.hasRoom(),
    }
    wakeups.register(retrySource(deps))
    wakeups.register(heldEventsSource({ ...deps, publish: (type, id, body) => this.transport?.publishEvent(type, id, body) }))
    let nextBeat = 0
    let nextSweep = 0
    wakeups.register({
      name: 'heartbeat-and-recovery',
      nextDueAt: async () => Math.min(nextBeat, nextSweep),
      fireDue: async (at) => {
        if (at >= nextBeat) {
          await heartbeat(db, this.id)
          nextBeat = at + HEARTBEAT_MS
        }
        if (at >= nextSweep) {
          nextSweep = at + Math.min(this.config.events.scheduling.checkIntervalMs, 5000)
          await recoverOrphans(deps)
        }
      },
    })

    const supervisor = new Supervisor(this.log, (child, reason) => {
      void this.stop().finally(() => this.rejectStopped(new SpError('internal', `${child} failed past its restart budget: ${reason}`)))
    })
    this.supervisor = supervisor
    await supervisor.startChild({
      name: 'ingest',
      start: async (fail) => {
        ingest = new Ingest({ db, transport, runtimeId: this.id, defaults: p, log: this.log, dispatch: (items) => dispatcher.enqueue(items), hasRoom: () => dispatcher.hasRoom() })
        await ingest.start()
        void transport.nc.closed().then((err) => {
          if (this.state === 'running') fail(err ?? new Error('NATS connection closed'))
        })
      },
      stop: async () => {
        await ingest?.stop()
      },
    })
    await supervisor.startChild({
      name: 'wakeups',
      start: async () => {
        await wakeups.start()
      },
      stop: () => wakeups.stop(),
    })
    const wakeSub = transport.onWake(() => {
      nextSweep = 0
      wakeups.poke()
    })
    this.closers.unshift(async () => wakeSub.stop())
    // Anything published before this runtime connected goes out now.
    this.publish(this.unpublished.splice(0))
    this.state = 'running'
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return this.stopped
    const wasRunning = this.state === 'running' || this.state === 'starting'
    this.state = 'stopping'
    const { db } = this.store
    try {
      if (wasRunning) {
        await this.supervisor?.stopAll()
        await this.dispatcher?.drain(this.options.drainTimeoutMs ?? 30_000)
        const now = new Date().toISOString()
        // Queued work that never started is released for any runtime to take at once.
        await db.updateTable('event_executions').set({ lease_owner: null, updated_at: now }).where('lease_owner', '=', this.id).where('status', '=', 'pending').execute()
        await db.updateTable('runtime_instances').set({ stopped_at: now, heartbeat_at: now }).where('id', '=', this.id).execute()
      } else if (this.connecting) {
        await this.connecting
      }
      for (const close of this.closers) await close().catch(() => {})
      if (this.transport) {
        await this.transport.flush().catch(() => {})
        await this.transport.close()
      }
      await this.store.close()
    } finally {
      this.state = 'stopped'
      this.resolveStopped()
    }
  }
}
