import { assign, setup, transition, type SnapshotFrom } from 'xstate'

/**
 * Restart policy for one supervised child: a crash inside the budget (`maxRestarts` within
 * `windowMs`) restarts it after an exponential back-off; past the budget it escalates.
 * Pure: the supervisor actor performs `scheduleRestart` and `escalate`.
 */
export interface RestartPolicy {
  maxRestarts: number
  windowMs: number
  baseDelayMs: number
  maxDelayMs: number
}

export const supervisorMachine = setup({
  types: {
    context: {} as { policy: RestartPolicy; crashes: number[] },
    events: {} as { type: 'CRASH'; at: number; error: string } | { type: 'STARTED' } | { type: 'STOP' },
    input: {} as { policy: RestartPolicy },
  },
  guards: {
    withinBudget: ({ context, event }) =>
      event.type === 'CRASH' && context.crashes.filter((t) => t > event.at - context.policy.windowMs).length < context.policy.maxRestarts,
  },
  actions: {
    recordCrash: assign({
      crashes: ({ context, event }) =>
        event.type === 'CRASH' ? [...context.crashes.filter((t) => t > event.at - context.policy.windowMs), event.at] : context.crashes,
    }),
    scheduleRestart: (_, _params: { delayMs: number }) => {},
    escalate: (_, _params: { reason: string }) => {},
  },
}).createMachine({
  id: 'supervisor',
  initial: 'running',
  context: ({ input }) => ({ policy: input.policy, crashes: [] }),
  states: {
    running: {
      on: {
        CRASH: [
          {
            guard: 'withinBudget',
            target: 'restarting',
            actions: [
              'recordCrash',
              {
                type: 'scheduleRestart',
                params: ({ context }) => ({
                  delayMs: Math.min(context.policy.maxDelayMs, context.policy.baseDelayMs * 2 ** (context.crashes.length - 1)),
                }),
              },
            ],
          },
          {
            target: 'escalated',
            actions: [
              'recordCrash',
              {
                type: 'escalate',
                params: ({ context, event }) => ({
                  reason: `crashed ${context.crashes.length} times within ${context.policy.windowMs} ms; last: ${(event as { error: string }).error}`,
                }),
              },
            ],
          },
        ],
        STOP: 'stopped',
      },
    },
    restarting: { on: { STARTED: 'running', CRASH: 'restarting', STOP: 'stopped' } },
    escalated: { type: 'final' },
    stopped: { type: 'final' },
  },
})

export type SupervisorSnapshot = SnapshotFrom<typeof supervisorMachine>

export function crashDecision(
  snapshot: SupervisorSnapshot,
  event: Parameters<typeof transition<typeof supervisorMachine>>[2],
): { snapshot: SupervisorSnapshot; restartInMs?: number; escalate?: string } {
  const [next, actions] = transition(supervisorMachine, snapshot, event)
  const out: { snapshot: SupervisorSnapshot; restartInMs?: number; escalate?: string } = { snapshot: next }
  for (const a of actions) {
    const params = a.params as Record<string, unknown> | undefined
    if (a.type === 'scheduleRestart') out.restartInMs = params?.delayMs as number
    if (a.type === 'escalate') out.escalate = params?.reason as string
  }
  return out
}
