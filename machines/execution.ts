import { assign, setup, transition, type SnapshotFrom } from 'xstate'
import { retryDelayMs, type RetryPolicy } from '../src/model/retry-policy.js'

/**
 * The lifecycle of one handler execution: attempts, back-off and the dead letters. Pure: the
 * dispatcher persists the resulting state and performs the actions it returns (`recordAttempt`,
 * `scheduleRetry`, `deadLetter`, `settle`), so the retry wake-up is a stored time, not a timer here.
 */
export interface ExecutionContext {
  attempts: number
  policy: RetryPolicy
  lastError: string | null
}

export type ExecutionEvent =
  | { type: 'START' }
  | { type: 'SUCCEEDED' }
  | { type: 'FAILED'; error: string; retryable: boolean; retryAfterMs?: number; now: number; random: number }
  | { type: 'DUE' }
  | { type: 'CANCEL' }
  | { type: 'REDRIVE' }

export type ExecutionState = 'pending' | 'running' | 'retrying' | 'completed' | 'failed' | 'cancelled'

export const executionMachine = setup({
  types: {
    context: {} as ExecutionContext,
    events: {} as ExecutionEvent,
    input: {} as { attempts: number; policy: RetryPolicy },
  },
  guards: {
    canRetry: ({ context, event }) =>
      event.type === 'FAILED' && event.retryable && context.attempts < context.policy.max_attempts,
  },
  actions: {
    countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }),
    keepError: assign({ lastError: ({ event }) => (event.type === 'FAILED' ? event.error : null) }),
    resetAttempts: assign({ attempts: 0, lastError: null }),
    // Effects, performed by the dispatcher: their params are data only.
    scheduleRetry: (_, _params: { at: number }) => {},
    deadLetter: (_, _params: { reason: string }) => {},
    settle: (_, _params: { outcome: 'completed' | 'failed' | 'cancelled' }) => {},
  },
}).createMachine({
  id: 'execution',
  initial: 'pending',
  context: ({ input }) => ({ attempts: input.attempts, policy: input.policy, lastError: null }),
  states: {
    pending: { on: { START: { target: 'running', actions: 'countAttempt' }, CANCEL: 'cancelled' } },
    running: {
      on: {
        SUCCEEDED: { target: 'completed' },
        FAILED: [
          {
            guard: 'canRetry',
            target: 'retrying',
            actions: [
              'keepError',
              {
                type: 'scheduleRetry',
                params: ({ context, event }) => {
                  const e = event as Extract<ExecutionEvent, { type: 'FAILED' }>
                  const curve = retryDelayMs(context.policy, context.attempts + 1, () => e.random)
                  return { at: e.now + Math.max(curve, e.retryAfterMs ?? 0) }
                },
              },
            ],
          },
          {
            target: 'failed',
            actions: [
              'keepError',
              {
                type: 'deadLetter',
                params: ({ context, event }) => {
                  const e = event as Extract<ExecutionEvent, { type: 'FAILED' }>
                  const why = e.retryable ? `gave up after ${context.attempts} of ${context.policy.max_attempts} attempts` : 'not retryable'
                  return { reason: `${why}: ${e.error}` }
                },
              },
            ],
          },
        ],
        CANCEL: 'cancelled',
      },
    },
    retrying: { on: { DUE: { target: 'running', actions: 'countAttempt' }, CANCEL: 'cancelled' } },
    completed: { entry: { type: 'settle', params: { outcome: 'completed' } } },
    failed: {
      entry: { type: 'settle', params: { outcome: 'failed' } },
      on: { REDRIVE: { target: 'pending', actions: 'resetAttempts' } },
    },
    cancelled: { entry: { type: 'settle', params: { outcome: 'cancelled' } } },
  },
})

export type ExecutionSnapshot = SnapshotFrom<typeof executionMachine>

/** The persisted columns of an execution, as the machine's snapshot. */
export function executionSnapshot(state: ExecutionState, attempts: number, policy: RetryPolicy): ExecutionSnapshot {
  return executionMachine.resolveState({ value: state, context: { attempts, policy, lastError: null } })
}

export interface ExecutionStep {
  state: ExecutionState
  attempts: number
  retryAt?: number
  deadLetterReason?: string
}

/** Applies one lifecycle event; returns the next state and the effects as plain data. */
export function stepExecution(snapshot: ExecutionSnapshot, event: ExecutionEvent): ExecutionStep {
  const [next, actions] = transition(executionMachine, snapshot, event)
  const step: ExecutionStep = { state: next.value as ExecutionState, attempts: next.context.attempts }
  for (const action of actions) {
    const params = action.params as Record<string, unknown> | undefined
    if (action.type === 'scheduleRetry') step.retryAt = params?.at as number
    if (action.type === 'deadLetter') step.deadLetterReason = params?.reason as string
  }
  return step
}
