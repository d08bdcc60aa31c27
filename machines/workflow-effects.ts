import type { RetryPolicyInput } from '../src/model/retry-policy.js'
import { renderTemplate } from '../src/model/template.js'
import { normalizeAction, type WorkflowDefinition } from '../src/workflow/definition.js'
import { modelOf, render, retryPolicyOf, stepInput, stepKey, timerId, type WorkflowModel } from './workflow-model.js'
import { emittedEvent, type StepParams, type TimerParams } from './workflow-reducers.js'
import type { FinalStatus, WorkflowContext, WorkflowEvent } from './workflow-types.js'

/**
 * The effects a transition decided, as plain JSON for the host to store with the snapshot (in one
 * transaction) and then perform. Every effect is idempotent by its key: the host may perform it
 * again after a crash. `key` names one run of a step; the idempotency key is `<execution id>:<key>`.
 */
export type WorkflowEffect =
  /** Run an action step through the executor pool (which retries per `retryPolicy`, null = the runtime
   * default); report STEP.COMPLETED or STEP.FAILED with the final outcome. */
  | {
      type: 'startStep'
      stepId: string
      key: string
      executor: 'function' | 'command' | 'webhook'
      config: Record<string, unknown>
      input: unknown
      timeoutMs: number | null
      retryPolicy: RetryPolicyInput | null
    }
  /** Stop a step still running (a failure elsewhere, a cancel, a `join: any` won by another branch). */
  | { type: 'cancelStep'; stepId: string; key: string }
  /** Publish an event (through the outbox, id derived from the key); nothing is reported back. */
  | { type: 'emitEvent'; stepId: string; key: string; event: Record<string, unknown> }
  /** Start another workflow; report its output as STEP.COMPLETED (or STEP.FAILED) for this step. */
  | { type: 'startSubflow'; stepId: string; key: string; workflowId: string; version: number | null; input: unknown }
  | { type: 'cancelSubflow'; stepId: string; key: string }
  /** Persist a wake-up (`delayMs` from now, or `at`); report TIMER.FIRED with the timer id when due. */
  | { type: 'setTimer'; timerId: string; stepId: string; delayMs: number }
  | { type: 'setTimer'; timerId: string; stepId: string; at: string }
  | { type: 'cancelTimer'; timerId: string; stepId: string }
  /** Subscribe to events of `eventType` whose dotted paths equal `match`; report EVENT.MATCHED. */
  | { type: 'awaitEvent'; stepId: string; key: string; eventType: string; match: Record<string, unknown> }
  | { type: 'stopAwaitingEvent'; stepId: string; key: string }
  /** Compensation begins; `stepIds` will be undone in this order. */
  | { type: 'startCompensation'; reason: string; stepIds: string[] }
  /** Run one step's compensate action; report COMPENSATION.COMPLETED or COMPENSATION.FAILED. */
  | {
      type: 'runCompensation'
      stepId: string
      key: string
      executor: 'function' | 'command' | 'webhook' | 'emit'
      config: Record<string, unknown>
      input: { input: unknown; output: unknown }
      retryPolicy: RetryPolicyInput | null
    }
  /** The execution reached an outcome. */
  | { type: 'finish'; status: FinalStatus; output: Record<string, unknown> | null; failure: WorkflowContext['failure']; compensationFailure: WorkflowContext['compensationFailure'] }

export type WorkflowEffectType = WorkflowEffect['type']

/** The shape of an action `transition()` returns: only these fields are read. */
export interface ActionLike {
  type: string
  params?: unknown
  info?: { context?: unknown; event?: unknown }
}

type Translate = (model: WorkflowModel, context: WorkflowContext, event: WorkflowEvent, params: never) => WorkflowEffect | null

/** Whether `event` is the report that ends this step's run (so there is nothing left to cancel). */
function finishedBy(event: WorkflowEvent, stepId: string): boolean {
  return (event.type === 'STEP.COMPLETED' || event.type === 'STEP.FAILED') && event.stepId === stepId
}

const TRANSLATE: Record<string, Translate> = {
  startStep: (model, context, _event, { stepId }: StepParams) => {
    const step = model.step(stepId)
    if (step.type !== 'action') return null
    const action = normalizeAction(step.action)
    if (action.executor === 'emit') return null
    const config = render(model, context, stepId, action.config) as Record<string, unknown>
    const input = stepInput(model, context, stepId)
    const key = stepKey(model, context, stepId)
    return { type: 'startStep', stepId, key, executor: action.executor, config, input, timeoutMs: step.timeout_ms ?? null, retryPolicy: retryPolicyOf(model, step) }
  },
  cancelStep: (model, context, event, { stepId }: StepParams) =>
    finishedBy(event, stepId) ? null : { type: 'cancelStep', stepId, key: stepKey(model, context, stepId) },
  emitEvent: (model, context, _event, { stepId }: StepParams) => ({
    type: 'emitEvent',
    stepId,
    key: stepKey(model, context, stepId),
    event: emittedEvent(model, context, stepId),
  }),
  startSubflow: (model, context, _event, { stepId }: StepParams) => {
    const step = model.step(stepId)
    if (step.type !== 'subflow') return null
    const key = stepKey(model, context, stepId)
    return { type: 'startSubflow', stepId, key, workflowId: step.workflow_id, version: step.version ?? null, input: stepInput(model, context, stepId) }
  },
  cancelSubflow: (model, context, event, { stepId }: StepParams) =>
    finishedBy(event, stepId) ? null : { type: 'cancelSubflow', stepId, key: stepKey(model, context, stepId) },
  setTimer: (model, context, _event, { stepId, timer }: TimerParams) => {
    const id = timerId(model, context, stepId, timer)
    const armed = context.timers[id]
    if (!armed) return null
    return armed.at !== undefined ? { type: 'setTimer', timerId: id, stepId, at: armed.at } : { type: 'setTimer', timerId: id, stepId, delayMs: armed.delayMs ?? 0 }
  },
  cancelTimer: (model, context, event, { stepId, timer }: TimerParams) => {
    const id = timerId(model, context, stepId, timer)
    const fired = event.type === 'TIMER.FIRED' && event.timerId === id
    return fired || !context.timers[id] ? null : { type: 'cancelTimer', timerId: id, stepId }
  },
  awaitEvent: (_model, context, _event, { stepId }: StepParams) => {
    const waiting = context.awaiting[stepId]
    return waiting ? { type: 'awaitEvent', stepId, key: waiting.key, eventType: waiting.eventType, match: waiting.match } : null
  },
  stopAwaitingEvent: (_model, context, _event, { stepId }: StepParams) => {
    const waiting = context.awaiting[stepId]
    return waiting ? { type: 'stopAwaitingEvent', stepId, key: waiting.key } : null
  },
  startCompensation: (_model, context) => ({
    type: 'startCompensation',
    reason: context.failure ? `step "${context.failure.stepId}" failed: ${context.failure.error}` : `cancelled${context.cancel?.reason ? `: ${context.cancel.reason}` : ''}`,
    stepIds: context.compensation.map((entry) => entry.stepId).reverse(),
  }),
  runCompensation: (model, context) => {
    const entry = context.compensation.at(-1)
    const step = entry ? model.step(entry.stepId) : undefined
    if (!entry || step?.type !== 'action' || step.compensate === undefined) return null
    const action = normalizeAction(step.compensate)
    // Its templates see the step's own output and loop iteration as they were when it completed.
    const scope = { inputs: context.input, event: context.event, steps: { ...context.steps, [entry.stepId]: entry.output }, loop: entry.loop }
    const config = renderTemplate(action.config, scope) as Record<string, unknown>
    return { type: 'runCompensation', stepId: entry.stepId, key: entry.key, executor: action.executor, config, input: { input: entry.input, output: entry.output }, retryPolicy: retryPolicyOf(model, step) }
  },
  finish: (_model, context, _event, { status }: { status: FinalStatus }) => ({
    type: 'finish',
    status,
    output: context.output,
    failure: context.failure,
    compensationFailure: context.compensationFailure,
  }),
}

/**
 * Turns the actions `initialTransition`/`transition` returned into the effects the host performs,
 * in order. Context updates (assign) are not among them; cancels of a step that just reported
 * back, or of a timer that just fired, are dropped.
 */
export function effectsOf(definition: WorkflowDefinition, actions: readonly ActionLike[]): WorkflowEffect[] {
  const model = modelOf(definition)
  const effects: WorkflowEffect[] = []
  for (const action of actions) {
    const translate = TRANSLATE[action.type]
    if (!translate) continue
    const context = action.info?.context as WorkflowContext
    const event = action.info?.event as WorkflowEvent
    const effect = translate(model, context, event, (action.params ?? {}) as never)
    if (effect) effects.push(effect)
  }
  return effects
}
