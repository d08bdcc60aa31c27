import { hostname } from 'node:os'
import { Dispatcher } from '../../actors/dispatcher.js'
import { Ingest, type WorkItem } from '../../actors/ingest.js'
import { heldEventsSource, maintenanceSource, retrySource, type RecoveryDeps } from '../../actors/recovery.js'
import { relayUnrouted } from '../../actors/relay.js'
import { schedulerSource } from '../../actors/scheduler.js'
import { Supervisor } from '../../actors/supervisor.js'
import { Wakeups } from '../../actors/wakeups.js'
import { WorkflowHost } from '../../actors/workflow-host.js'
import { loadConfig, parseConfig } from '../config/load.js'
import type { Config } from '../config/schema.js'
import { SpError } from '../errors.js'
import { createCommandExecutor } from '../executors/command.js'
import { createFunctionExecutor } from '../executors/function.js'
import { FunctionRegistry } from '../executors/function-registry.js'
import type { Executor } from '../executors/types.js'
import { createWebhookExecutor } from '../executors/webhook.js'
import { createWorkflowExecutor } from '../executors/workflow.js'
import { CheckpointCipher } from '../workflow/checkpoint-crypto.js'
import { newId } from '../model/ids.js'
import type { ExecutorType } from '../model/handler.js'
import { migrateToLatest, openStore, type OpenedStore } from '../store/database.js'
import { checkHealth } from '../http/health.js'
import { HttpServer, type HttpAddress } from '../http/server.js'
import { DeadLettersApi } from './dead-letters-api.js'
import { DeliveryEvents } from './delivery-events.js'
import { EventPublisher } from './event-publisher.js'
import { EventsApi } from './events-api.js'
import { EventWriter } from './event-writer.js'
import { LocalOutbox } from './local-outbox.js'
import { stderrLogger, type Logger } from './logger.js'
import { collectStats, type Stats } from './stats.js'
import { SchedulesApi } from './schedules-api.js'
import { SubscriptionsApi } from './subscriptions-api.js'
import { WorkflowDefinitionsApi } from './workflow-definitions-api.js'
import { WorkflowExecutions } from './workflow-executions-api.js'
import type { EventService, Runtime, RuntimeOptions } from './runtime-types.js'
import type { WorkflowsApi } from './workflows-types.js'

export type { RuntimeOptions, EventService, Runtime } from './runtime-types.js'

/** Creates a runtime on a SQLite file (migrated on open) and a NATS server. Nothing runs until `start()`. */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const loaded = options.config ? parseConfig(options.config) : loadConfig({ path: options.configPath })
  const config = options.httpPort === undefined ? loaded : { ...loaded, events: { ...loaded.events, http: { ...loaded.events.http, port: options.httpPort } } }
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
  readonly schedules: SchedulesApi
  readonly workflows: WorkflowsApi
  private readonly workflowHost: WorkflowHost
  readonly stopped: Promise<void>
  private resolveStopped!: () => void
  private rejectStopped!: (err: Error) => void
  private failure: Error | null = null
  private readonly publisher: EventPublisher
  private readonly executors = new Map<ExecutorType, Executor>()
  private readonly disabled = new Map<ExecutorType, string>()
  private readonly settledListeners = new Set<(item: WorkItem, ok: boolean, final: boolean) => void>()
  private dispatcher: Dispatcher | null = null
  private wakeups: Wakeups | null = null
  private supervisor: Supervisor | null = null
  private http: HttpServer | null = null
  private readonly deliveries: DeliveryEvents
  private state: 'created' | 'starting' | 'running' | 'stopping' | 'stopped' = 'created'
  private readonly writer: EventWriter
  private readonly outbox = new LocalOutbox()
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
    this.publisher = new EventPublisher({ url: options.nats?.servers ?? 'nats://127.0.0.1:4222', name: `sp-${this.actor}`, log })
    this.writer = new EventWriter(store.db, () => store.hot, (rows) => {
      this.outbox.remember(rows)
      this.publisher.publish(rows)
    })
    const wake = () => this.wake()
    // In a running runtime a held event only re-arms its own timer; elsewhere (the CLI) runtimes are woken.
    const held = (at: number) => (this.wakeups ? this.wakeups.notify(at, 'held-events') : this.wake())
    const events = new EventsApi({ db: store.db, writer: this.writer, actor: this.actor, wake, held })
    const subs = new SubscriptionsApi({
      db: store.db,
      actor: this.actor,
      executors: this.executors,
      disabled: this.disabled,
      checkFunctionNames: () => this.functions.names().length > 0,
    })
    this.deadLetters = new DeadLettersApi({ db: store.db, actor: this.actor, wake })
    this.schedules = new SchedulesApi({
      db: store.db,
      actor: this.actor,
      defaultTimezone: config.events.scheduling.timezone,
      wake,
      publish: (rows) => this.publisher.publish(rows),
    })
    const cipher = ex.workflow.checkpointKey ? new CheckpointCipher(ex.workflow.checkpointKey) : null
    this.workflowHost = new WorkflowHost({
      db: store.db,
      sqlite: store.sqlite,
      runtimeId: this.id,
      defaults: config.events.processing,
      log,
      cipher,
      publish: (rows) => this.publisher.publish(rows),
      wake,
    })
    const executions = new WorkflowExecutions({ db: store.db, host: this.workflowHost, cipher, actor: this.actor })
    this.executors.set('workflow', createWorkflowExecutor({ enabled: ex.workflow.enabled, start: (id, input, o) => executions.start(id, input, o) }))
    const definitions = new WorkflowDefinitionsApi({ db: store.db, actor: this.actor, knownFunctions: () => this.functions.names() })
    this.workflows = {
      create: (input, o) => definitions.create(input, o),
      list: () => definitions.list(),
      get: (id, version) => definitions.get(id, version),
      export: (id, o) => definitions.export(id, o),
      start: (id, input, o) => executions.start(id, input, o),
      getExecution: (id) => executions.getExecution(id),
      listExecutions: (f) => executions.listExecutions(f),
      cancel: (id, o) => executions.cancel(id, o),
    }
    this.deliveries = new DeliveryEvents({ createEvent: (i) => events.createEvent(i), log })
    // Runs after the dispatcher drained: delivery events of the last attempts are stored before the database closes.
    this.closers.unshift(() => this.deliveries.idle())
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
      scheduleEvent: (i) => this.schedules.scheduleEvent(i),
    }
  }

  stats(): Promise<Stats> {
    return collectStats(this.store.db)
  }

  onSettled(listener: (item: WorkItem, ok: boolean, final: boolean) => void): () => void {
    this.settledListeners.add(listener)
    return () => this.settledListeners.delete(listener)
  }

  httpAddress(): HttpAddress | null {
    return this.http?.address() ?? null
  }

  private wake(): void {
    this.wakeups?.poke()
    this.publisher.wake(this.state === 'created')
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new SpError('conflict', `runtime is ${this.state}: start() may be called once`)
    this.state = 'starting'
    const { db } = this.store
    this.store.checkpointInBackground()
    const p = this.config.events.processing
    const ex = this.config.events.executors
    const transport = await this.publisher.open(`sp-runtime-${this.id}`)
    const now = new Date().toISOString()
    await db.insertInto('runtime_instances').values({ id: this.id, hostname: hostname(), pid: process.pid, started_at: now, heartbeat_at: now, stopped_at: null }).execute()

    const wakeups = new Wakeups(this.log, this.config.events.scheduling.checkIntervalMs)
    this.wakeups = wakeups
    let ingest: Ingest | null = null
    const dispatcher = new Dispatcher({
      db,
      hot: this.store.hot,
      runtimeId: this.id,
      log: this.log,
      executors: this.executors,
      poolLimits: { function: ex.function.maxConcurrency, command: ex.command.maxConcurrency, webhook: ex.webhook.maxConcurrency, workflow: ex.workflow.maxConcurrency },
      maxConcurrent: p.maxConcurrentEvents,
      highWater: 10_000,
      onRetryScheduled: (at) => wakeups.notify(at, 'retries'),
      onRoom: () => ingest?.resume(),
      onWorkflowRuns: (trx, runs) => this.workflowHost.onRunsSettled(trx, runs),
      onSettled: (item, outcome, final, attempt) => {
        this.deliveries.attemptSettled(item, outcome, final, attempt)
        for (const l of this.settledListeners) l(item, outcome.ok, final)
      },
    })
    this.dispatcher = dispatcher
    const deps: RecoveryDeps = {
      db,
      hot: this.store.hot,
      slots: dispatcher,
      runtimeId: this.id,
      defaults: p,
      log: this.log,
      dispatch: (items) => dispatcher.enqueue(items),
      hasRoom: () => dispatcher.hasRoom(),
      onRouted: (trx, events) => this.workflowHost.onEventsRouted(trx, events),
    }
    wakeups.register(retrySource(deps))
    wakeups.register(this.workflowHost.timerSource())
    wakeups.register(schedulerSource({ db, runtimeId: this.id, log: this.log, publish: (rows) => this.publisher.publish(rows) }))
    wakeups.register(heldEventsSource({ ...deps, publish: (type, id, body) => this.publisher.connection?.publishEvent(type, id, body) }))
    const maintenance = maintenanceSource(deps, Math.min(this.config.events.scheduling.checkIntervalMs, 5000))
    wakeups.register(maintenance)

    const supervisor = new Supervisor(this.log, (child, reason) => {
      // Recorded before stopping: `stopped` must reject with it, not resolve as after a requested stop.
      this.failure ??= new SpError('internal', `${child} failed past its restart budget: ${reason}`)
      void this.stop()
    })
    this.supervisor = supervisor
    await supervisor.startChild({
      name: 'ingest',
      start: async (fail) => {
        ingest = new Ingest({
          db,
          hot: this.store.hot,
          transport,
          outbox: this.outbox,
          runtimeId: this.id,
          defaults: p,
          log: this.log,
          dispatch: (items) => dispatcher.enqueue(items),
          slots: dispatcher,
          hasRoom: () => dispatcher.hasRoom(),
          onRouted: deps.onRouted,
        })
        this.outbox.setActive(true)
        await ingest.start(fail)
        void transport.nc.closed().then((err) => {
          if (this.state === 'running') fail(err ?? new Error('NATS connection closed'))
        })
      },
      stop: async () => {
        this.outbox.setActive(false)
        await ingest?.stop()
      },
    })
    await supervisor.startChild({
      // Holds nothing but the hand-over target: executions live in their rows between transactions.
      name: 'workflow-host',
      start: async () => this.workflowHost.attach({ dispatch: (items) => dispatcher.enqueue(items), slots: dispatcher, notifyTimer: (at) => wakeups.notify(at, 'workflow-timers') }),
      stop: async () => this.workflowHost.attach(null),
    })
    // After the dispatcher drained: the last steps' hand-overs finish before the database closes.
    this.closers.unshift(() => this.workflowHost.idle())
    await supervisor.startChild({
      name: 'wakeups',
      start: async () => {
        await wakeups.start()
      },
      stop: () => wakeups.stop(),
    })
    const wakeSub = transport.onWake(() => {
      maintenance.sweepSoon()
      wakeups.poke()
    })
    this.closers.unshift(async () => wakeSub.stop())
    const reconnectSub = transport.onReconnect(() => {
      if (this.state !== 'running') return
      relayUnrouted(db, (type, id, body) => transport.publishEvent(type, id, body)).catch((err) =>
        this.log.warn('cannot re-send unrouted events after a reconnect; the recovery sweep routes them', { error: String(err) }),
      )
    })
    this.closers.unshift(async () => reconnectSub.stop())
    if (this.config.events.http.port !== undefined) {
      // Started last, so stopped first: no webhook is accepted while the rest shuts down.
      this.http = new HttpServer({
        config: this.config.events.http,
        log: this.log,
        createEvent: (input) => this.events.createEvent(input),
        health: () => checkHealth({ nats: () => this.publisher.connection?.nc ?? null, db }),
      })
      await supervisor.startChild(this.http)
    }
    this.state = 'running'
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return this.stopped.catch(() => {})
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
      }
      for (const close of this.closers) await close().catch(() => {})
      await this.publisher.close()
      await this.store.close()
    } finally {
      this.state = 'stopped'
      if (this.failure) this.rejectStopped(this.failure)
      else this.resolveStopped()
    }
  }
}
