import type { WorkItem } from '../../actors/ingest.js'
import type { ConfigInput, Config } from '../config/schema.js'
import type { FunctionRegistry } from '../executors/function-registry.js'
import type { HttpAddress } from '../http/server.js'
import type { DeadLettersApi } from './dead-letters-api.js'
import type { EventsApi } from './events-api.js'
import type { Logger } from './logger.js'
import type { SchedulesApi } from './schedules-api.js'
import type { Stats } from './stats.js'
import type { SubscriptionsApi } from './subscriptions-api.js'
import type { WorkflowsApi } from './workflows-types.js'

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
  /** Overrides `events.http.port`: serve inbound webhooks and `/healthz` there (0: a free port). */
  httpPort?: number
}

/** The facade the seed calls `EventService`: events, handlers and listeners. */
export type EventService = Pick<EventsApi, 'createEvent' | 'getEvent' | 'listEvents' | 'cancelEvent'> &
  Pick<SubscriptionsApi, 'registerHandler' | 'listHandlers' | 'registerListener' | 'listListeners'> &
  Pick<SchedulesApi, 'scheduleEvent'> & {
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
  /** Cron, interval and one-time schedules; the scheduler actor fires them while the runtime runs. */
  readonly schedules: SchedulesApi
  /** Workflow definitions and executions; an execution started anywhere runs in whichever runtime runs. */
  readonly workflows: WorkflowsApi
  stats(): Promise<Stats>
  /** Connects to NATS and starts ingest, dispatch, wake-ups and recovery. */
  start(): Promise<void>
  /** Drains in-flight work, then closes NATS and the database. Safe to call twice. */
  stop(): Promise<void>
  /** Settles when the runtime stops; rejects if a supervised part failed past its restart budget. */
  readonly stopped: Promise<void>
  /** Observes executions as they settle (tests, metrics). */
  onSettled(listener: (item: WorkItem, ok: boolean, final: boolean) => void): () => void
  /** Where the HTTP server (inbound webhooks, `/healthz`) listens; null when `events.http.port` is unset or not started. */
  httpAddress(): HttpAddress | null
}
