/** What one workflow execution's machine holds, receives and starts from. All plain JSON. */

/** The workflow input and the event that triggered the execution (null when started by hand). */
export interface WorkflowStart {
  input?: Record<string, unknown>
  event?: Record<string, unknown> | null
}

export type WorkflowStatus = 'running' | 'compensating' | 'completed' | 'failed' | 'compensated' | 'compensation_failed' | 'cancelled'
export type FinalStatus = Exclude<WorkflowStatus, 'running' | 'compensating'>

export interface LoopState {
  /** The iteration under way (0-based), which is also the number of iterations finished. */
  index: number
  /** The rendered `over` array; null for a `while` loop. */
  items: unknown[] | null
  /** Per finished iteration, the outputs of the body's steps by step id. */
  results: Record<string, unknown>[]
}

/** A durable timer the machine asked for; the host owns the wake-up time. */
export interface TimerState {
  stepId: string
  delayMs?: number
  /** ISO time, for `wait.until`. */
  at?: string
}

export interface AwaitState {
  key: string
  eventType: string
  /** Dotted event paths and the rendered values they must equal. */
  match: Record<string, unknown>
}

/** A completed step with a `compensate` action, on the stack to be undone newest first. */
export interface CompensationEntry {
  stepId: string
  key: string
  input: unknown
  output: unknown
  /** The loop iteration it ran in (`{{loop.*}}` for its compensate templates). */
  loop: { item: unknown; index: number } | null
}

export interface WorkflowContext {
  input: Record<string, unknown>
  event: Record<string, unknown> | null
  /** Outputs by step id (a step that failed under `continue` has `{failed: true, error}`). */
  steps: Record<string, unknown>
  loops: Record<string, LoopState>
  /** Armed timers by timer id. */
  timers: Record<string, TimerState>
  /** wait_for_event steps waiting, by step id. */
  awaiting: Record<string, AwaitState>
  /** A step that could not start (a loop over a non-array, a bad `until`), by step id. */
  errors: Record<string, string>
  compensation: CompensationEntry[]
  status: WorkflowStatus
  failure: { stepId: string | null; error: string } | null
  compensationFailure: { stepId: string; error: string } | null
  cancel: { compensate: boolean; reason: string | null } | null
  output: Record<string, unknown> | null
}

/**
 * What the host feeds back. `key` (as the effect gave it) is optional; when given, an event for an
 * earlier run of the same step (a previous loop iteration) is ignored.
 */
export type WorkflowEvent =
  | { type: 'STEP.COMPLETED'; stepId: string; key?: string; output?: unknown }
  | { type: 'STEP.FAILED'; stepId: string; key?: string; error: string; retryable?: boolean }
  | { type: 'TIMER.FIRED'; timerId: string }
  | { type: 'EVENT.MATCHED'; stepId: string; key?: string; event: Record<string, unknown> }
  | { type: 'CANCEL'; compensate?: boolean; reason?: string }
  | { type: 'COMPENSATION.COMPLETED'; stepId: string; key?: string; output?: unknown }
  | { type: 'COMPENSATION.FAILED'; stepId: string; key?: string; error: string }

export type WorkflowEventType = WorkflowEvent['type']

export function initialContext(): WorkflowContext {
  return {
    input: {},
    event: null,
    steps: {},
    loops: {},
    timers: {},
    awaiting: {},
    errors: {},
    compensation: [],
    status: 'running',
    failure: null,
    compensationFailure: null,
    cancel: null,
    output: null,
  }
}
