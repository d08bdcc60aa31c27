import type { Step, WorkflowDefinition } from '../src/workflow/definition.js'
import { enclosingLoops, layoutOf, type Layout } from '../src/workflow/layout.js'
import { renderTemplate } from '../src/model/template.js'
import type { RetryPolicyInput } from '../src/model/retry-policy.js'
import type { WorkflowContext } from './workflow-types.js'

/** A definition with the lookups the machine's actions, guards and effects need. */
export interface WorkflowModel {
  definition: WorkflowDefinition
  layout: Layout
  step(id: string): Step
}

const models = new WeakMap<WorkflowDefinition, WorkflowModel>()

export function modelOf(definition: WorkflowDefinition): WorkflowModel {
  let model = models.get(definition)
  if (!model) {
    const layout = layoutOf(definition)
    model = {
      definition,
      layout,
      step(id) {
        const step = layout.byId.get(id)
        if (!step) throw new Error(`workflow "${definition.id}" has no step "${id}"`)
        return step
      },
    }
    models.set(definition, model)
  }
  return model
}

/**
 * Names one run of a step: its id, prefixed by the iteration of each loop around it
 * (`each-item[2].charge`). The host's idempotency key is `<execution id>:<key>`.
 */
export function stepKey(model: WorkflowModel, context: WorkflowContext, stepId: string): string {
  const loops = enclosingLoops(model.layout, stepId).map((id) => `${id}[${context.loops[id]?.index ?? 0}]`)
  return [...loops, stepId].join('.')
}

export function timerId(model: WorkflowModel, context: WorkflowContext, stepId: string, timer: 'wait' | 'timeout'): string {
  return `${stepKey(model, context, stepId)}:${timer}`
}

/** `{{loop.*}}` for a step: the innermost loop around it. */
export function loopView(model: WorkflowModel, context: WorkflowContext, stepId: string): { item: unknown; index: number } | null {
  const id = enclosingLoops(model.layout, stepId).at(-1)
  const loop = id === undefined ? undefined : context.loops[id]
  if (!loop) return null
  return { item: loop.items ? loop.items[loop.index] : null, index: loop.index }
}

/** What templates see: `inputs`, `event`, `steps`, `loop`. */
export function templateScope(model: WorkflowModel, context: WorkflowContext, stepId: string | null): Record<string, unknown> {
  return { inputs: context.input, event: context.event, steps: context.steps, loop: stepId ? loopView(model, context, stepId) : null }
}

/** What condition fields see: the workflow input at the top level, beside `inputs`, `event`, `steps`, `loop`. */
export function conditionScope(model: WorkflowModel, context: WorkflowContext, stepId: string): Record<string, unknown> {
  return { ...context.input, ...templateScope(model, context, stepId) }
}

export function render(model: WorkflowModel, context: WorkflowContext, stepId: string | null, value: unknown): unknown {
  return renderTemplate(value, templateScope(model, context, stepId))
}

/** The input an action step's executor receives: its rendered `inputs`, else the workflow input. */
export function stepInput(model: WorkflowModel, context: WorkflowContext, stepId: string): unknown {
  const step = model.step(stepId)
  const inputs = step.type === 'action' || step.type === 'subflow' ? step.inputs : undefined
  return inputs === undefined ? context.input : render(model, context, stepId, inputs)
}

/**
 * The retry policy the host's executor applies to a step: its own, else the runtime default (null)
 * under `on_step_failure: retry`, else a single attempt.
 */
export function retryPolicyOf(model: WorkflowModel, step: Step): RetryPolicyInput | null {
  if (step.type === 'action' && step.retry_policy) return step.retry_policy
  return model.definition.error_handling.on_step_failure === 'retry' ? null : { strategy: 'fixed', max_attempts: 1 }
}
