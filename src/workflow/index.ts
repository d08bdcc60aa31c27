export {
  workflowDefinitionSchema,
  stepSchema,
  actionSpecSchema,
  normalizeAction,
  EXECUTOR_KINDS,
  RESERVED_STEP_IDS,
  type WorkflowDefinition,
  type WorkflowDefinitionInput,
  type Step,
  type StepType,
  type ActionSpec,
  type ActionStep,
  type ConditionStep,
  type ParallelStep,
  type WaitStep,
  type WaitForEventStep,
  type SubflowStep,
  type LoopStep,
  type ErrorHandling,
  type ExecutorKind,
} from './definition.js'
export { parseDuration, durationSchema } from './duration.js'
export { parseWorkflowDefinition, validateWorkflow, checkWorkflow, type ValidateOptions } from './validate.js'
export type { DefinitionIssue } from './issues.js'
export { resolveWorkflowInput } from './inputs.js'
export { toXStateJSON, toMermaid } from './export.js'
export { fromXStateJSON } from './import.js'
