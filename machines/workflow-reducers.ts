import { parseDuration } from '../src/workflow/duration.js'
import { normalizeAction } from '../src/workflow/definition.js'
import { loopView, render, stepInput, stepKey, timerId, type WorkflowModel } from './workflow-model.js'
import type { WorkflowContext, WorkflowEvent, WorkflowStart, WorkflowStatus } from './workflow-types.js'

/**
 * The context updates behind the machine's `assign` actions, as plain functions of
 * (model, context, event, params). Each returns only the fields it changes; nothing is mutated.
 */
type Update = Partial<WorkflowContext>
export interface StepParams {
  stepId: string
}
export interface TimerParams extends StepParams {
  timer: 'wait' | 'timeout'
}
export interface FailureParams extends StepParams {
  reason?: string
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _, ...rest } = record
  return rest
}

/** The root's entry: the init event carries the actor's input. */
export function initialize(event: unknown): Update {
  const start = ((event as { input?: WorkflowStart }).input ?? {}) as WorkflowStart
  return { input: start.input ?? {}, event: start.event ?? null, status: 'running' }
}

/** A step finished: its output, and its compensation on the stack when it has one. */
function complete(model: WorkflowModel, context: WorkflowContext, stepId: string, output: unknown): Update {
  const step = model.step(stepId)
  const steps = { ...context.steps, [stepId]: output }
  if (step.type !== 'action' || step.compensate === undefined) return { steps }
  const entry = {
    stepId,
    key: stepKey(model, context, stepId),
    input: stepInput(model, context, stepId),
    output,
    loop: loopView(model, context, stepId),
  }
  return { steps, compensation: [...context.compensation, entry] }
}

export function recordOutput(model: WorkflowModel, context: WorkflowContext, event: WorkflowEvent, { stepId }: StepParams): Update {
  const output = event.type === 'EVENT.MATCHED' ? event.event : event.type === 'STEP.COMPLETED' ? event.output : undefined
  return complete(model, context, stepId, output ?? null)
}

/** The event an emit step sends: its rendered config (`type`, `data`, ...). */
export function emittedEvent(model: WorkflowModel, context: WorkflowContext, stepId: string): Record<string, unknown> {
  const step = model.step(stepId)
  if (step.type !== 'action') throw new Error(`step "${stepId}" is not an action`)
  return render(model, context, stepId, normalizeAction(step.action).config) as Record<string, unknown>
}

export function recordEmitted(model: WorkflowModel, context: WorkflowContext, { stepId }: StepParams): Update {
  return complete(model, context, stepId, emittedEvent(model, context, stepId))
}

export function recordCondition(context: WorkflowContext, { stepId, result }: StepParams & { result: boolean }): Update {
  return { steps: { ...context.steps, [stepId]: { result } } }
}

function errorOf(context: WorkflowContext, event: WorkflowEvent, { stepId, reason }: FailureParams): string {
  const fromEvent = event.type === 'STEP.FAILED' && event.stepId === stepId ? event.error : undefined
  return context.errors[stepId] ?? fromEvent ?? reason ?? 'step failed'
}

export function failWorkflow(context: WorkflowContext, event: WorkflowEvent, params: FailureParams): Update {
  return { failure: { stepId: params.stepId, error: errorOf(context, event, params) }, errors: without(context.errors, params.stepId) }
}

/** Under `on_step_failure: continue`, the failure becomes the step's output and the path goes on. */
export function skipFailedStep(context: WorkflowContext, event: WorkflowEvent, params: FailureParams): Update {
  const output = { failed: true, error: errorOf(context, event, params) }
  return { steps: { ...context.steps, [params.stepId]: output }, errors: without(context.errors, params.stepId) }
}

export function armTimer(model: WorkflowModel, context: WorkflowContext, { stepId, timer }: TimerParams): Update {
  const step = model.step(stepId)
  const id = timerId(model, context, stepId, timer)
  let delay = step.type === 'wait' && step.duration !== undefined ? step.duration : step.type === 'wait_for_event' ? step.timeout : undefined
  if (delay !== undefined) return { timers: { ...context.timers, [id]: { stepId, delayMs: parseDuration(delay) ?? 0 } } }
  const until = step.type === 'wait' ? render(model, context, stepId, step.until) : undefined
  const time = typeof until === 'string' || typeof until === 'number' ? new Date(until) : undefined
  if (!time || Number.isNaN(time.getTime())) {
    delay = JSON.stringify(until) ?? 'nothing'
    return { errors: { ...context.errors, [stepId]: `until rendered to ${delay}, not an ISO-8601 time` } }
  }
  return { timers: { ...context.timers, [id]: { stepId, at: time.toISOString() } } }
}

export function disarmTimer(model: WorkflowModel, context: WorkflowContext, { stepId, timer }: TimerParams): Update {
  return { timers: without(context.timers, timerId(model, context, stepId, timer)) }
}

export function armEventWait(model: WorkflowModel, context: WorkflowContext, { stepId }: StepParams): Update {
  const step = model.step(stepId)
  if (step.type !== 'wait_for_event') return {}
  const match = render(model, context, stepId, step.match ?? {}) as Record<string, unknown>
  const waiting = { key: stepKey(model, context, stepId), eventType: step.event_type, match }
  return { awaiting: { ...context.awaiting, [stepId]: waiting } }
}

export function disarmEventWait(context: WorkflowContext, { stepId }: StepParams): Update {
  return { awaiting: without(context.awaiting, stepId) }
}

export function startLoop(model: WorkflowModel, context: WorkflowContext, { stepId }: StepParams): Update {
  const step = model.step(stepId)
  if (step.type !== 'loop') return {}
  const items = step.over === undefined ? null : render(model, context, stepId, step.over)
  const loops = { ...context.loops, [stepId]: { index: 0, items: Array.isArray(items) ? items : null, results: [] } }
  let error: string | undefined
  if (step.over !== undefined && !Array.isArray(items)) error = `over rendered to ${JSON.stringify(items) ?? 'nothing'}, not an array`
  else if (Array.isArray(items) && items.length > step.max_iterations && step.on_max_iterations === 'fail') {
    error = `over has ${items.length} items, more than max_iterations (${step.max_iterations})`
  }
  return error ? { loops, errors: { ...context.errors, [stepId]: error } } : { loops }
}

/** An iteration starts: the body's outputs from the one before are cleared (after `while` saw them). */
export function beginIteration(model: WorkflowModel, context: WorkflowContext, { stepId }: StepParams): Update {
  const body = model.layout.inner.get(stepId)?.[0]?.ids ?? []
  return { steps: Object.fromEntries(Object.entries(context.steps).filter(([id]) => !body.includes(id))) }
}

/** An iteration finished: its body outputs join the loop's results. */
export function nextIteration(model: WorkflowModel, context: WorkflowContext, { stepId }: StepParams): Update {
  const loop = context.loops[stepId]
  const body = model.layout.inner.get(stepId)?.[0]?.ids ?? []
  if (!loop) return {}
  const outputs = Object.fromEntries(body.filter((id) => id in context.steps).map((id) => [id, context.steps[id]]))
  return { loops: { ...context.loops, [stepId]: { ...loop, index: loop.index + 1, results: [...loop.results, outputs] } } }
}

export function finishLoop(context: WorkflowContext, { stepId }: StepParams): Update {
  const loop = context.loops[stepId]
  const output = { iterations: loop?.index ?? 0, results: loop?.results ?? [] }
  return { steps: { ...context.steps, [stepId]: output }, loops: without(context.loops, stepId) }
}

/** A parallel step's output: each branch's step outputs; under `join: any`, which branch finished first. */
export function recordParallel(model: WorkflowModel, context: WorkflowContext, { stepId, branch }: StepParams & { branch?: number }): Update {
  const branches = (model.layout.inner.get(stepId) ?? []).map((scope) =>
    Object.fromEntries(scope.ids.filter((id) => id in context.steps).map((id) => [id, context.steps[id]])),
  )
  const output = branch === undefined ? { branches } : { branches, first: branch }
  return { steps: { ...context.steps, [stepId]: output } }
}

export function requestCancel(event: WorkflowEvent): Update {
  if (event.type !== 'CANCEL') return {}
  return { cancel: { compensate: event.compensate === true, reason: event.reason ?? null } }
}

export function setOutput(model: WorkflowModel, context: WorkflowContext): Update {
  const { outputs } = model.definition
  return { output: outputs === undefined ? null : (render(model, context, null, outputs) as Record<string, unknown>) }
}

export function setStatus({ status }: { status: WorkflowStatus }): Update {
  return { status }
}

export function popCompensation(context: WorkflowContext): Update {
  return { compensation: context.compensation.slice(0, -1) }
}

export function recordCompensationFailure(context: WorkflowContext, event: WorkflowEvent): Update {
  const top = context.compensation.at(-1)
  const error = event.type === 'COMPENSATION.FAILED' ? event.error : 'compensation failed'
  return { compensationFailure: { stepId: top?.stepId ?? '', error } }
}
