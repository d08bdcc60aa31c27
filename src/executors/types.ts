import type { EventRecord } from '../model/event.js'
import type { ExecutorType } from '../model/handler.js'

/** What an executor is told about one attempt. */
export interface ExecutionContext {
  executionId: string
  /** The same for every attempt of one execution, across retries and restarts. */
  idempotencyKey: string
  /** 1 for the first attempt. */
  attempt: number
  event: EventRecord
  /** Aborted on timeout and on runtime shutdown; executors must stop promptly when it fires. */
  signal: AbortSignal
  /** The effective timeout for this attempt (handler's timeout_ms, else the executor's default). */
  timeoutMs: number | undefined
}

/** Facts an attempt leaves behind for `event:info` (status code, exit code, output excerpt, ...). */
export type AttemptDetails = Record<string, unknown>

export type ExecutionOutcome =
  | { ok: true; output?: unknown; details?: AttemptDetails }
  | {
      ok: false
      error: string
      /** false: retrying cannot help (a 404, a bad configuration), go straight to the dead letters. */
      retryable: boolean
      /** A delay the target asked for (Retry-After), used instead of the policy's when longer. */
      retryAfterMs?: number
      details?: AttemptDetails
    }

/**
 * Runs one kind of work. `validateConfig` is called at registration (errors name the field inside
 * `configuration`) and again before each attempt; `execute` never throws for a failure of the work
 * itself, it returns `{ok: false}`; it may throw only for a bug in the runtime.
 */
export interface Executor<Config = unknown> {
  readonly type: ExecutorType
  validateConfig(config: unknown): Config
  execute(config: Config, ctx: ExecutionContext): Promise<ExecutionOutcome>
}

/** Thrown by a registered function to say that retrying cannot help. */
export class FinalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'FinalError'
  }
}
