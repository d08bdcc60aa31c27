import { initialTransition, transition } from 'xstate'
import {
  compileWorkflow,
  effectsOf,
  persistSnapshot,
  restoreSnapshot,
  type PersistedWorkflowSnapshot,
  type WorkflowEffect,
  type WorkflowEvent,
  type WorkflowMachine,
  type WorkflowSnapshot,
  type WorkflowStart,
} from '../../../machines/index.js'
import { getPath } from '../../../src/model/condition.js'
import { parseWorkflowDefinition } from '../../../src/workflow/validate.js'
import type { WorkflowDefinition } from '../../../src/workflow/definition.js'

/** What a started step reports: an output, a failure, or `hold` to leave it running until `finishStep`. */
export type StepResult = { output?: unknown } | { error: string; retryable?: boolean } | 'hold'
type Effect<T extends WorkflowEffect['type']> = Extract<WorkflowEffect, { type: T }>

export interface Script {
  /** By step id; a step with no entry completes with `{ran: <step id>}`. */
  steps?: Record<string, StepResult | ((effect: Effect<'startStep'> | Effect<'startSubflow'>) => StepResult)>
  /** By step id: compensations succeed unless listed as 'fail'. */
  compensations?: Record<string, 'ok' | 'fail'>
}

/**
 * A host in miniature, for tests: drives a compiled workflow with the pure `initialTransition` /
 * `transition`, performing each returned effect at once (steps report the script's result, timers
 * wait for `fireTimer`, event waits for `publish`). With `roundTrip`, the snapshot goes through
 * JSON after every transition, as a host's checkpoint would.
 */
export class Drive {
  readonly machine: WorkflowMachine
  readonly definition: WorkflowDefinition
  snapshot!: WorkflowSnapshot
  /** Every effect performed, in order. */
  readonly effects: WorkflowEffect[] = []
  /** Per transition: the checkpoint after it, and the event that led to it (null for the start). */
  readonly history: { event: WorkflowEvent | null; checkpoint: string; effects: WorkflowEffect[] }[] = []
  readonly timers = new Map<string, Effect<'setTimer'>>()
  readonly waits = new Map<string, Effect<'awaitEvent'>>()
  readonly running = new Map<string, Effect<'startStep'> | Effect<'startSubflow'>>()
  private readonly queue: WorkflowEvent[] = []

  constructor(
    definition: unknown,
    private readonly script: Script = {},
    private readonly options: { roundTrip?: boolean } = {},
  ) {
    this.definition = parseWorkflowDefinition(definition)
    this.machine = compileWorkflow(this.definition)
  }

  start(start: WorkflowStart = {}): this {
    const [snapshot, actions] = initialTransition(this.machine, start)
    this.after(null, snapshot, actions)
    return this.drain()
  }

  /** Feeds one event and everything the resulting effects report back synchronously. */
  send(event: WorkflowEvent): this {
    this.queue.push(event)
    return this.drain()
  }

  fireTimer(timerId?: string): this {
    const id = timerId ?? [...this.timers.keys()][0]
    if (id === undefined || !this.timers.has(id)) throw new Error(`no timer ${timerId ?? ''} is set`)
    return this.send({ type: 'TIMER.FIRED', timerId: id })
  }

  /** Delivers an outside event to every wait it matches, as the host's subscription would. */
  publish(event: { type: string; data?: Record<string, unknown> }): this {
    for (const wait of this.waits.values()) {
      const matches = Object.entries(wait.match).every(([path, value]) => JSON.stringify(getPath(event, path)) === JSON.stringify(value))
      if (wait.eventType === event.type && matches) this.queue.push({ type: 'EVENT.MATCHED', stepId: wait.stepId, key: wait.key, event })
    }
    return this.drain()
  }

  finishStep(stepId: string, result: Exclude<StepResult, 'hold'>): this {
    const run = [...this.running.values()].find((r) => r.stepId === stepId)
    if (!run) throw new Error(`step ${stepId} is not running`)
    return this.send(this.report(run, result))
  }

  get value(): unknown {
    return this.snapshot.value
  }
  get context() {
    return this.snapshot.context
  }
  /** The effects of one type, in order. */
  of<T extends WorkflowEffect['type']>(type: T): Effect<T>[] {
    return this.effects.filter((e): e is Effect<T> => e.type === type)
  }
  /** Step ids started, in order. */
  get started(): string[] {
    return this.effects.flatMap((e) => (e.type === 'startStep' || e.type === 'startSubflow' ? [e.stepId] : []))
  }

  private drain(): this {
    while (this.queue.length > 0) {
      const event = this.queue.shift()!
      const [snapshot, actions] = transition(this.machine, this.snapshot, event)
      this.after(event, snapshot, actions)
    }
    return this
  }

  private after(event: WorkflowEvent | null, snapshot: WorkflowSnapshot, actions: Parameters<typeof effectsOf>[1]): void {
    const effects = effectsOf(this.definition, actions)
    const checkpoint = JSON.stringify(persistSnapshot(this.machine, snapshot))
    this.snapshot = this.options.roundTrip ? restoreSnapshot(this.machine, JSON.parse(checkpoint) as PersistedWorkflowSnapshot) : snapshot
    this.history.push({ event, checkpoint, effects })
    for (const effect of effects) this.perform(effect)
  }

  private perform(effect: WorkflowEffect): void {
    this.effects.push(effect)
    switch (effect.type) {
      case 'startStep':
      case 'startSubflow': {
        const entry = this.script.steps?.[effect.stepId]
        const result = typeof entry === 'function' ? entry(effect) : (entry ?? { output: { ran: effect.stepId } })
        if (result === 'hold') this.running.set(effect.key, effect)
        else this.queue.push(this.report(effect, result))
        break
      }
      case 'cancelStep':
      case 'cancelSubflow':
        this.running.delete(effect.key)
        break
      case 'setTimer':
        this.timers.set(effect.timerId, effect)
        break
      case 'cancelTimer':
        this.timers.delete(effect.timerId)
        break
      case 'awaitEvent':
        this.waits.set(effect.key, effect)
        break
      case 'stopAwaitingEvent':
        this.waits.delete(effect.key)
        break
      case 'runCompensation': {
        const fails = this.script.compensations?.[effect.stepId] === 'fail'
        this.queue.push(
          fails
            ? { type: 'COMPENSATION.FAILED', stepId: effect.stepId, key: effect.key, error: `cannot undo ${effect.stepId}` }
            : { type: 'COMPENSATION.COMPLETED', stepId: effect.stepId, key: effect.key },
        )
        break
      }
      default:
        break
    }
  }

  private report(run: { stepId: string; key: string }, result: Exclude<StepResult, 'hold'>): WorkflowEvent {
    this.running.delete(run.key)
    if ('error' in result) return { type: 'STEP.FAILED', stepId: run.stepId, key: run.key, error: result.error, retryable: result.retryable ?? false }
    return { type: 'STEP.COMPLETED', stepId: run.stepId, key: run.key, output: result.output ?? null }
  }
}

/**
 * Replays a finished drive from every checkpoint it took: restores the JSON, feeds the same events
 * again, and returns, per starting point, the effects and final checkpoint it arrives at.
 */
export function replayFromEveryCheckpoint(drive: Drive): { from: number; effects: WorkflowEffect[]; checkpoint: string }[] {
  return drive.history.map((_, from) => {
    let snapshot = restoreSnapshot(drive.machine, JSON.parse(drive.history[from]!.checkpoint) as PersistedWorkflowSnapshot)
    const effects: WorkflowEffect[] = []
    for (const step of drive.history.slice(from + 1)) {
      const [next, actions] = transition(drive.machine, snapshot, step.event!)
      effects.push(...effectsOf(drive.definition, actions))
      snapshot = next
    }
    return { from, effects, checkpoint: JSON.stringify(persistSnapshot(drive.machine, snapshot)) }
  })
}
