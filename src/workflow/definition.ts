import { z } from 'zod'
import { conditionSchema } from '../model/condition.js'
import { eventTypeSchema } from '../model/event.js'
import { retryPolicySchema } from '../model/retry-policy.js'
import { durationSchema } from './duration.js'

/**
 * A workflow definition, in the seed's shape.
 *
 * Flow: the workflow starts at `steps[0]`. At the top level, `steps` is a catalogue: a step goes to
 * `next_steps[0]`, and a step without `next_steps` ends the workflow (as the seed's `process-payment`
 * does). A parallel branch or a loop body is a list of step ids run in list order: a step there
 * without `next_steps` goes to the next id of its list, and the last one ends the branch or the
 * iteration. A condition goes to its true branch (`on_true`, else `next_steps[0]`) or its false one
 * (`on_false`, else `next_steps[1]`). A successor nobody names (no `next_steps`, or the branch that
 * `on_true`/`on_false` leaves out) follows that list rule; an entry missing from a `next_steps` that
 * is given (`[]`, or a condition's `["x"]` when false) ends the path.
 */

/** Step and workflow ids: also XState state keys and template path segments, so no dots. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/
const ID_MESSAGE = 'must be 1-100 letters, digits, "_" and "-", starting with a letter or digit, such as "validate-order"'
/** Names the compiled machine uses for its own states beside the step states. */
export const RESERVED_STEP_IDS = ['done'] as const

export const workflowIdSchema = z.string().regex(ID, ID_MESSAGE)
export const stepIdSchema = z
  .string()
  .regex(ID, ID_MESSAGE)
  .refine((id) => !(RESERVED_STEP_IDS as readonly string[]).includes(id), { message: 'is reserved for the compiled machine: choose another step id' })

export const EXECUTOR_KINDS = ['function', 'command', 'webhook', 'emit'] as const
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number]

const FUNCTION_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/
const functionNameSchema = z.string().max(200).regex(FUNCTION_NAME, 'must be a registered function name such as "order.validate"')

const executorActionSchema = z
  .strictObject({ executor: z.enum(EXECUTOR_KINDS), config: z.record(z.string(), z.unknown()).default({}) })
  .superRefine((action, ctx) => {
    if (action.executor === 'function') {
      const name = functionNameSchema.safeParse(action.config.name)
      if (!name.success) ctx.addIssue({ code: 'custom', path: ['config', 'name'], message: 'a function action needs config.name, such as "order.validate"' })
    }
    if (action.executor === 'emit') {
      const type = eventTypeSchema.safeParse(action.config.type)
      if (!type.success) ctx.addIssue({ code: 'custom', path: ['config', 'type'], message: `an emit action needs config.type, an event type such as "order.paid"` })
    }
  })

/** `"order.validate"` names a registered function; the object form names any executor. */
export const actionSpecSchema = z.union([functionNameSchema, executorActionSchema])
export type ActionSpec = z.output<typeof actionSpecSchema>

const stepIdList = z.array(stepIdSchema).max(100)
const templateValues = z.record(z.string(), z.unknown())

const common = {
  id: stepIdSchema,
  name: z.string().min(1).max(200).optional(),
  description: z.string().max(2000).optional(),
}
const followedBy = { next_steps: stepIdList.max(1, 'only a condition step has two next steps').optional() }

export const actionStepSchema = z.strictObject({
  ...common,
  ...followedBy,
  type: z.literal('action'),
  action: actionSpecSchema,
  /** The input the step's executor receives, rendered from templates; the workflow input when absent. */
  inputs: templateValues.optional(),
  retry_policy: retryPolicySchema.optional(),
  timeout_ms: z.number().int().min(1).max(86_400_000).optional(),
  /** Undoes the step when the workflow compensates; it receives `{input, output}` of the step. */
  compensate: actionSpecSchema.optional(),
})

export const conditionStepSchema = z
  .strictObject({
    ...common,
    type: z.literal('condition'),
    conditions: z.array(conditionSchema).min(1).max(100),
    next_steps: stepIdList.max(2, 'a condition has at most two next steps: [when true, when false]').optional(),
    on_true: stepIdSchema.optional(),
    on_false: stepIdSchema.optional(),
  })
  .refine((s) => !(s.next_steps && (s.on_true || s.on_false)), {
    path: ['next_steps'],
    message: 'give either next_steps or on_true/on_false, not both',
  })

export const parallelStepSchema = z.strictObject({
  ...common,
  ...followedBy,
  type: z.literal('parallel'),
  /** Each branch is a list of step ids run in order; the branches run together. */
  branches: z.array(stepIdList.min(1, 'a branch lists at least one step id')).min(1).max(50),
  /** `all`: go on when every branch is done; `any`: when the first is, cancelling the others. */
  join: z.enum(['all', 'any']).default('all'),
})

export const waitStepSchema = z
  .strictObject({
    ...common,
    ...followedBy,
    type: z.literal('wait'),
    duration: durationSchema.optional(),
    /** An ISO-8601 time with a zone, or a template that renders to one. */
    until: z.string().min(1).max(500).optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.duration === undefined) === (s.until === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'a wait step needs exactly one of duration (such as "3s") or until (an ISO time)' })
    }
    if (s.until !== undefined && !s.until.includes('{{') && Number.isNaN(Date.parse(s.until))) {
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be an ISO-8601 time with a zone, such as 2024-01-01T02:00:00Z, or a template' })
    }
  })

export const waitForEventStepSchema = z
  .strictObject({
    ...common,
    ...followedBy,
    type: z.literal('wait_for_event'),
    event_type: eventTypeSchema,
    /** Dotted paths into the event (`data.order_id`) and the values (templates allowed) they must equal. */
    match: templateValues.optional(),
    timeout: durationSchema.optional(),
    /** Where to go when the timeout fires; without it a timeout is a step failure. */
    on_timeout: stepIdSchema.optional(),
  })
  .refine((s) => s.on_timeout === undefined || s.timeout !== undefined, { path: ['on_timeout'], message: 'needs a timeout' })

export const subflowStepSchema = z.strictObject({
  ...common,
  ...followedBy,
  type: z.literal('subflow'),
  workflow_id: workflowIdSchema,
  /** Pinned version; the latest when absent. */
  version: z.number().int().min(1).optional(),
  inputs: templateValues.optional(),
})

export const loopStepSchema = z
  .strictObject({
    ...common,
    ...followedBy,
    type: z.literal('loop'),
    /** A template rendering to an array: one iteration per item, `{{loop.item}}` and `{{loop.index}}` in the body. */
    over: z.string().min(1).max(500).optional(),
    /** Conditions checked before every iteration, against the same context as a condition step. */
    while: z.array(conditionSchema).min(1).max(100).optional(),
    /** The body: step ids run in list order on every iteration. */
    steps: stepIdList.min(1, 'a loop body lists at least one step id'),
    max_iterations: z.number().int().min(1).max(10_000).default(100),
    /** What reaching max_iterations with work left does: fail the step (default) or go on. */
    on_max_iterations: z.enum(['fail', 'continue']).default('fail'),
  })
  .superRefine((s, ctx) => {
    if ((s.over === undefined) === (s.while === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['over'], message: 'a loop step needs exactly one of over (a template of an array) or while (conditions)' })
    }
  })

export const stepSchema = z.discriminatedUnion('type', [
  actionStepSchema,
  conditionStepSchema,
  parallelStepSchema,
  waitStepSchema,
  waitForEventStepSchema,
  subflowStepSchema,
  loopStepSchema,
])

export const INPUT_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'any'] as const
export const inputSpecSchema = z.strictObject({
  type: z.enum(INPUT_TYPES).default('any'),
  required: z.boolean().default(false),
  default: z.unknown().optional(),
  description: z.string().max(2000).optional(),
})

export const errorHandlingSchema = z.strictObject({
  /** fail: a failed step fails the workflow; continue: record `{failed, error}` as its output and go on;
   * retry: like fail, but a step without its own retry_policy gets the runtime's default one. */
  on_step_failure: z.enum(['fail', 'continue', 'retry']).default('fail'),
  /** compensate: run the `compensate` actions of completed steps, newest first. */
  on_workflow_failure: z.enum(['fail', 'compensate']).default('fail'),
})

export const workflowDefinitionSchema = z.strictObject({
  id: workflowIdSchema,
  name: z.string().min(1).max(200),
  version: z.number().int().min(1),
  description: z.string().max(5000).optional(),
  inputs: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'must be a plain name'), inputSpecSchema).optional(),
  /** The workflow's output: a map of names to templates, rendered when it completes. */
  outputs: templateValues.optional(),
  steps: z.array(stepSchema).min(1, 'a workflow needs at least one step').max(500),
  error_handling: errorHandlingSchema.default({ on_step_failure: 'fail', on_workflow_failure: 'fail' }),
})

export type WorkflowDefinitionInput = z.input<typeof workflowDefinitionSchema>
export type WorkflowDefinition = z.output<typeof workflowDefinitionSchema>
export type Step = z.output<typeof stepSchema>
export type StepType = Step['type']
export type ActionStep = z.output<typeof actionStepSchema>
export type ConditionStep = z.output<typeof conditionStepSchema>
export type ParallelStep = z.output<typeof parallelStepSchema>
export type WaitStep = z.output<typeof waitStepSchema>
export type WaitForEventStep = z.output<typeof waitForEventStepSchema>
export type SubflowStep = z.output<typeof subflowStepSchema>
export type LoopStep = z.output<typeof loopStepSchema>
export type ErrorHandling = z.output<typeof errorHandlingSchema>

/** An action in its object form: a bare function name becomes `{executor: 'function', config: {name}}`. */
export function normalizeAction(action: ActionSpec): { executor: ExecutorKind; config: Record<string, unknown> } {
  return typeof action === 'string' ? { executor: 'function', config: { name: action } } : action
}
