import { createActor } from 'xstate'
import { crashDecision, supervisorMachine, type RestartPolicy, type SupervisorSnapshot } from '../machines/supervisor.js'
import type { Logger } from '../src/runtime/logger.js'

/** A long-lived part of the runtime. `start` resolves once it runs; it reports a crash through `fail`. */
export interface ChildSpec {
  name: string
  start(fail: (error: unknown) => void): Promise<void>
  stop(): Promise<void>
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 5, windowMs: 60_000, baseDelayMs: 200, maxDelayMs: 10_000 }

/**
 * The root supervisor: starts children in order, restarts one that crashes with back-off inside
 * its restart budget, and escalates (calls `onEscalate`) past it. Stops children in reverse order.
 */
export class Supervisor {
  private readonly states = new Map<string, { spec: ChildSpec; snapshot: SupervisorSnapshot; timer?: NodeJS.Timeout; generation: number }>()
  private stopping = false

  constructor(
    private readonly log: Logger,
    private readonly onEscalate: (child: string, reason: string) => void,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
  ) {}

  async startChild(spec: ChildSpec): Promise<void> {
    const snapshot = createActor(supervisorMachine, { input: { policy: this.policy } }).getSnapshot()
    const state = { spec, snapshot, generation: 0 }
    this.states.set(spec.name, state)
    await spec.start((err) => this.crashed(spec.name, state.generation, err))
  }

  restarts(name: string): number {
    return this.states.get(name)?.snapshot.context.crashes.length ?? 0
  }

  private crashed(name: string, generation: number, error: unknown): void {
    const state = this.states.get(name)
    if (!state || this.stopping || generation !== state.generation) return
    state.generation++
    const message = error instanceof Error ? error.message : String(error)
    const decision = crashDecision(state.snapshot, { type: 'CRASH', at: Date.now(), error: message })
    state.snapshot = decision.snapshot
    if (decision.escalate) {
      this.log.error(`supervisor: ${name} escalated`, { reason: decision.escalate })
      this.onEscalate(name, decision.escalate)
      return
    }
    this.log.warn(`supervisor: ${name} crashed; restarting in ${decision.restartInMs} ms`, { error: message })
    state.timer = setTimeout(() => void this.restart(name), decision.restartInMs ?? 0)
  }

  private async restart(name: string): Promise<void> {
    const state = this.states.get(name)
    if (!state || this.stopping) return
    const generation = state.generation
    try {
      await state.spec.stop().catch(() => {})
      await state.spec.start((err) => this.crashed(name, generation, err))
      state.snapshot = crashDecision(state.snapshot, { type: 'STARTED' }).snapshot
      this.log.info(`supervisor: ${name} restarted`)
    } catch (err) {
      state.snapshot = crashDecision(state.snapshot, { type: 'STARTED' }).snapshot
      this.crashed(name, generation, err)
    }
  }

  async stopAll(): Promise<void> {
    this.stopping = true
    const children = [...this.states.values()].reverse()
    for (const state of children) {
      if (state.timer) clearTimeout(state.timer)
      try {
        await state.spec.stop()
      } catch (err) {
        this.log.warn(`supervisor: ${state.spec.name} did not stop cleanly`, { error: String(err) })
      }
    }
    this.states.clear()
  }
}
