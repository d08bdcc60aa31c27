import type { LoopStep, ParallelStep, Step, WaitForEventStep, WorkflowDefinition } from '../src/workflow/definition.js'
import { edgesOf, type Scope } from '../src/workflow/layout.js'
import { modelOf, type WorkflowModel } from './workflow-model.js'
import { initialContext, type FinalStatus, type WorkflowContext } from './workflow-types.js'

/** A named action or guard with JSON params, as the Stately visualizer and `createMachine` take them. */
export interface ActionJson {
  type: string
  params?: Record<string, unknown>
}
export interface TransitionJson {
  target?: string
  guard?: ActionJson
  actions?: ActionJson[]
}
export interface StateJson {
  type?: 'parallel' | 'final'
  initial?: string
  description?: string
  tags?: string[]
  meta?: Record<string, unknown>
  entry?: ActionJson[]
  exit?: ActionJson[]
  on?: Record<string, TransitionJson | TransitionJson[]>
  always?: TransitionJson[]
  onDone?: TransitionJson | TransitionJson[]
  states?: Record<string, StateJson>
}
export interface MachineJson extends StateJson {
  id: string
  context: WorkflowContext
}

export const FINAL_STATES: readonly FinalStatus[] = ['completed', 'failed', 'compensated', 'compensation_failed', 'cancelled']
/** The key of the final state that ends a scope (the reason `done` is not a valid step id). */
export const SCOPE_END = 'done'

/** What the root state node's meta keeps of a definition besides its steps (which live in each step state's meta). */
export function workflowMeta(definition: WorkflowDefinition): Record<string, unknown> {
  const { steps, ...rest } = definition
  return { workflow: rest, step_order: steps.map((s) => s.id) }
}

/**
 * The machine config for a definition, as plain JSON: a state per step (keyed by step id, with
 * `meta.step`) inside `running`, then `compensating` and the outcome states. Every action and guard
 * is named with JSON params; there are no invokes, no delays and no functions.
 */
export function buildWorkflowConfig(definition: WorkflowDefinition): MachineJson {
  const builder = new ConfigBuilder(modelOf(definition))
  return builder.machine()
}

const act = (type: string, params?: Record<string, unknown>): ActionJson => (params ? { type, params } : { type })

class ConfigBuilder {
  private readonly root: string
  constructor(private readonly model: WorkflowModel) {
    this.root = model.definition.id
  }

  machine(): MachineJson {
    const { definition, layout } = this.model
    const finals = Object.fromEntries(FINAL_STATES.map((status) => [status, this.outcome(status)]))
    return {
      id: this.root,
      initial: 'running',
      context: initialContext(),
      meta: workflowMeta(definition),
      entry: [act('initialize')],
      states: {
        running: {
          ...this.scope(layout.top, ['running']),
          on: {
            CANCEL: [
              { guard: act('cancelWithCompensation'), target: 'compensating', actions: [act('requestCancel')] },
              { target: 'cancelled', actions: [act('requestCancel')] },
            ],
          },
          onDone: { target: 'completed', actions: [act('setOutput')] },
        },
        compensating: this.compensating(),
        ...finals,
      },
    }
  }

  private outcome(status: FinalStatus): StateJson {
    return { type: 'final', entry: [act('setStatus', { status }), act('finish', { status })] }
  }

  private compensating(): StateJson {
    return {
      entry: [act('setStatus', { status: 'compensating' }), act('startCompensation')],
      initial: 'next',
      states: {
        next: { always: [{ guard: act('compensationPending'), target: 'undoing' }, { target: SCOPE_END }] },
        undoing: {
          entry: [act('runCompensation')],
          on: {
            'COMPENSATION.COMPLETED': { guard: act('isCompensation'), target: 'next', actions: [act('popCompensation')] },
            'COMPENSATION.FAILED': { guard: act('isCompensation'), target: `#${this.root}.compensation_failed`, actions: [act('recordCompensationFailure')] },
          },
        },
        [SCOPE_END]: { type: 'final' },
      },
      onDone: [{ guard: act('cancelRequested'), target: 'cancelled' }, { target: 'compensated' }],
    }
  }

  /** A compound state running one scope's steps, ending in its `done` final state. */
  private scope(scope: Scope, path: string[]): StateJson {
    const states: Record<string, StateJson> = {}
    for (const id of scope.ids) states[id] = this.step(this.model.step(id), scope, [...path, id])
    states[SCOPE_END] = { type: 'final' }
    return { initial: scope.ids[0] ?? SCOPE_END, states }
  }

  /** `#root.running.x`: a target outside the source's own siblings. */
  private absolute(path: string[]): string {
    return `#${[this.root, ...path].join('.')}`
  }

  private step(step: Step, scope: Scope, path: string[]): StateJson {
    const stepId = step.id
    const base: StateJson = { meta: { step } }
    if (step.name) base.description = step.name
    const edges = edgesOf(step, scope)
    const next = edges[0]?.target ?? SCOPE_END
    switch (step.type) {
      case 'action': {
        if (typeof step.action !== 'string' && step.action.executor === 'emit') {
          return { ...base, entry: [act('emitEvent', { stepId })], always: [{ target: next, actions: [act('recordEmitted', { stepId })] }] }
        }
        return { ...base, ...this.running(stepId, 'startStep', 'cancelStep', next, path) }
      }
      case 'subflow':
        return { ...base, ...this.running(stepId, 'startSubflow', 'cancelSubflow', next, path) }
      case 'condition': {
        const [onTrue, onFalse] = edges.map((e) => e.target ?? SCOPE_END)
        return {
          ...base,
          always: [
            { guard: act('conditionsHold', { stepId }), target: onTrue, actions: [act('recordCondition', { stepId, result: true })] },
            { target: onFalse, actions: [act('recordCondition', { stepId, result: false })] },
          ],
        }
      }
      case 'wait': {
        const timer = { stepId, timer: 'wait' }
        return {
          ...base,
          tags: ['waiting'],
          entry: [act('armTimer', timer), act('setTimer', timer)],
          exit: [act('cancelTimer', timer), act('disarmTimer', timer)],
          always: [{ guard: act('hasStartError', { stepId }), ...this.failure(stepId, path) }],
          on: { 'TIMER.FIRED': { guard: act('isTimer', timer), target: next } },
        }
      }
      case 'wait_for_event':
        return { ...base, ...this.waitForEvent(step, next, path) }
      case 'parallel':
        return { ...base, ...this.parallel(step, next, path) }
      case 'loop':
        return { ...base, ...this.loop(step, next, path) }
    }
  }

  /** An action or subflow step: started on entry, cancelled if left before it reports back. */
  private running(stepId: string, start: string, cancel: string, next: string, path: string[]): StateJson {
    const isStep = act('isStep', { stepId })
    return {
      entry: [act(start, { stepId })],
      exit: [act(cancel, { stepId })],
      on: {
        'STEP.COMPLETED': { guard: isStep, target: next, actions: [act('recordOutput', { stepId })] },
        'STEP.FAILED': { guard: isStep, ...this.failure(stepId, path) },
      },
    }
  }

  /**
   * Where a failed step goes: on under `on_step_failure: continue` (its output records the error),
   * else to compensation or `failed` per `on_workflow_failure`.
   */
  private failure(stepId: string, path: string[], reason?: string): TransitionJson {
    const params = reason === undefined ? { stepId } : { stepId, reason }
    const { error_handling } = this.model.definition
    if (error_handling.on_step_failure === 'continue') {
      const scope = this.model.layout.scopeOf.get(stepId)!
      const next = edgesOf(this.model.step(stepId), scope)[0]?.target ?? SCOPE_END
      return { target: this.absolute([...path.slice(0, -1), next]), actions: [act('skipFailedStep', params)] }
    }
    const target = error_handling.on_workflow_failure === 'compensate' ? 'compensating' : 'failed'
    return { target: `#${this.root}.${target}`, actions: [act('failWorkflow', params)] }
  }

  private waitForEvent(step: WaitForEventStep, next: string, path: string[]): StateJson {
    const stepId = step.id
    const timer = { stepId, timer: 'timeout' }
    const timed = step.timeout !== undefined
    const onTimeout: TransitionJson = step.on_timeout
      ? { target: step.on_timeout }
      : this.failure(stepId, path, `timed out after ${step.timeout} waiting for a "${step.event_type}" event`)
    return {
      tags: ['waiting'],
      entry: [act('armEventWait', { stepId }), act('awaitEvent', { stepId }), ...(timed ? [act('armTimer', timer), act('setTimer', timer)] : [])],
      exit: [act('stopAwaitingEvent', { stepId }), act('disarmEventWait', { stepId }), ...(timed ? [act('cancelTimer', timer), act('disarmTimer', timer)] : [])],
      on: {
        'EVENT.MATCHED': { guard: act('eventMatches', { stepId }), target: next, actions: [act('recordOutput', { stepId })] },
        ...(timed ? { 'TIMER.FIRED': { guard: act('isTimer', timer), ...onTimeout } } : {}),
      },
    }
  }

  /** XState parallel regions, one per branch; `all` joins on the parallel state's done, `any` on a region's. */
  private parallel(step: ParallelStep, next: string, path: string[]): StateJson {
    const scopes = this.model.layout.inner.get(step.id) ?? []
    const states: Record<string, StateJson> = {}
    scopes.forEach((scope, i) => {
      const key = `branch-${i + 1}`
      const region = this.scope(scope, [...path, key])
      if (step.join === 'any') {
        region.onDone = { target: this.absolute([...path.slice(0, -1), next]), actions: [act('recordParallel', { stepId: step.id, branch: i })] }
      }
      states[key] = region
    })
    const joinAll = step.join === 'all' ? { onDone: { target: next, actions: [act('recordParallel', { stepId: step.id })] } } : {}
    return { type: 'parallel', states, ...joinAll }
  }

  /** `check` decides whether another iteration runs in `body`; the loop's output collects each iteration's. */
  private loop(step: LoopStep, next: string, path: string[]): StateJson {
    const stepId = step.id
    const body = this.model.layout.inner.get(stepId)?.[0]
    const atLimit: TransitionJson =
      step.on_max_iterations === 'continue'
        ? { guard: act('loopAtLimit', { stepId }), target: SCOPE_END }
        : { guard: act('loopAtLimit', { stepId }), ...this.failure(stepId, path, `loop did not finish within max_iterations (${step.max_iterations})`) }
    return {
      entry: [act('startLoop', { stepId })],
      initial: 'check',
      states: {
        check: {
          always: [
            { guard: act('hasStartError', { stepId }), ...this.failure(stepId, path) },
            { guard: act('loopFinished', { stepId }), target: SCOPE_END },
            atLimit,
            { target: 'body', actions: [act('beginIteration', { stepId })] },
          ],
        },
        body: {
          ...(body ? this.scope(body, [...path, 'body']) : { initial: SCOPE_END, states: { [SCOPE_END]: { type: 'final' } } }),
          onDone: { target: 'check', actions: [act('nextIteration', { stepId })] },
        },
        [SCOPE_END]: { type: 'final' },
      },
      onDone: { target: next, actions: [act('finishLoop', { stepId })] },
    }
  }
}
