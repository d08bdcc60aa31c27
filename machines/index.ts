export * from './execution.js'
export * from './supervisor.js'
export { compileWorkflow, type WorkflowMachine } from './workflow.js'
export { workflowStepper, type WorkflowStepper } from './workflow-stepper.js'
export { buildWorkflowConfig, type MachineJson, type StateJson, type TransitionJson, type ActionJson } from './workflow-config.js'
export { effectsOf, type WorkflowEffect, type WorkflowEffectType, type ActionLike } from './workflow-effects.js'
export {
  activeSteps,
  executionStatus,
  persistSnapshot,
  restoreSnapshot,
  type PersistedWorkflowSnapshot,
  type WorkflowSnapshot,
} from './workflow-snapshot.js'
export type {
  CompensationEntry,
  FinalStatus,
  WorkflowContext,
  WorkflowEvent,
  WorkflowEventType,
  WorkflowStart,
  WorkflowStatus,
} from './workflow-types.js'
