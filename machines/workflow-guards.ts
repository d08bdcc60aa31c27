import { evaluateConditions, type Condition } from '../src/model/condition.js'
import { conditionScope, render, stepKey, timerId, type WorkflowModel } from './workflow-model.js'
import type { StepParams, TimerParams } from './workflow-reducers.js'
import type { WorkflowContext, WorkflowEvent } from './workflow-types.js'

/** The machine's guards as plain predicates of (model, context, event, params). */

/** The host's report is about this step's current run (an earlier loop iteration's is ignored). */
export function isStep(model: WorkflowModel, context: WorkflowContext, event: WorkflowEvent, { stepId }: StepParams): boolean {
  if (!('stepId' in event) || event.stepId !== stepId) return false
  return event.key === undefined || event.key === stepKey(model, context, stepId)
}

export function isTimer(model: WorkflowModel, context: WorkflowContext, event: WorkflowEvent, { stepId, timer }: TimerParams): boolean {
  return event.type === 'TIMER.FIRED' && event.timerId === timerId(model, context, stepId, timer)
}

/** Checked again here, so a host that forwards a near miss changes nothing. */
export function eventMatches(model: WorkflowModel, context: WorkflowContext, event: WorkflowEvent, params: StepParams): boolean {
  const waiting = context.awaiting[params.stepId]
  if (event.type !== 'EVENT.MATCHED' || !waiting || !isStep(model, context, event, params)) return false
  if (typeof event.event.type === 'string' && event.event.type !== waiting.eventType) return false
  const checks: Condition[] = Object.entries(waiting.match).map(([field, value]) => ({ field, operator: 'eq', value }))
  return evaluateConditions(checks, event.event)
}

function holds(model: WorkflowModel, context: WorkflowContext, stepId: string, conditions: readonly Condition[]): boolean {
  const rendered = conditions.map((c) => ({ ...c, value: render(model, context, stepId, c.value) }))
  return evaluateConditions(rendered, conditionScope(model, context, stepId))
}

export function conditionsHold(model: WorkflowModel, context: WorkflowContext, { stepId }: StepParams): boolean {
  const step = model.step(stepId)
  return step.type === 'condition' && holds(model, context, stepId, step.conditions)
}

export function hasStartError(context: WorkflowContext, { stepId }: StepParams): boolean {
  return context.errors[stepId] !== undefined
}

/** No work left: the items are used up, or the `while` conditions no longer hold. */
export function loopFinished(model: WorkflowModel, context: WorkflowContext, { stepId }: StepParams): boolean {
  const step = model.step(stepId)
  const loop = context.loops[stepId]
  if (step.type !== 'loop' || !loop) return true
  if (loop.items) return loop.index >= loop.items.length
  return !holds(model, context, stepId, step.while ?? [])
}

export function loopAtLimit(model: WorkflowModel, context: WorkflowContext, { stepId }: StepParams): boolean {
  const step = model.step(stepId)
  return step.type === 'loop' && (context.loops[stepId]?.index ?? 0) >= step.max_iterations
}

export function isCompensation(context: WorkflowContext, event: WorkflowEvent): boolean {
  const top = context.compensation.at(-1)
  if (!top || !('stepId' in event) || event.stepId !== top.stepId) return false
  return event.key === undefined || event.key === top.key
}
