import type { Step } from '../src/workflow/definition.js'
import type { WorkflowMachine } from './workflow.js'
import type { WorkflowContext, WorkflowStatus } from './workflow-types.js'

export type WorkflowSnapshot = ReturnType<WorkflowMachine['resolveState']>

/** The checkpoint: plain JSON (state value, context, status), with no functions or actor refs. */
export interface PersistedWorkflowSnapshot {
  status: string
  value: unknown
  context: WorkflowContext
  [key: string]: unknown
}

export function persistSnapshot(machine: WorkflowMachine, snapshot: WorkflowSnapshot): PersistedWorkflowSnapshot {
  return JSON.parse(JSON.stringify(machine.getPersistedSnapshot(snapshot))) as PersistedWorkflowSnapshot
}

/**
 * Rebuilds a snapshot from a checkpoint, ready for `transition()`. Throws when the state value
 * does not exist in this machine (a checkpoint from another definition version, or tampered).
 */
export function restoreSnapshot(machine: WorkflowMachine, persisted: PersistedWorkflowSnapshot): WorkflowSnapshot {
  return machine.resolveState({ value: persisted.value as never, context: persisted.context })
}

function activeStepDefinitions(snapshot: WorkflowSnapshot): Step[] {
  return Object.values(snapshot.getMeta() as Record<string, { step?: Step }>).flatMap((meta) => (meta.step ? [meta.step] : []))
}

/** The step ids whose states are active (several inside a parallel step; a loop and its body step). */
export function activeSteps(snapshot: WorkflowSnapshot): string[] {
  return activeStepDefinitions(snapshot).map((step) => step.id)
}

/**
 * The execution's status for people: `waiting` when the active steps only wait (for a timer or an
 * event) and none runs, else the machine's own status.
 */
export function executionStatus(snapshot: WorkflowSnapshot): WorkflowStatus | 'waiting' {
  const status = snapshot.context.status
  if (status !== 'running') return status
  const types = activeStepDefinitions(snapshot).map((step) => step.type)
  const waits = types.some((type) => type === 'wait' || type === 'wait_for_event')
  return waits && !types.some((type) => type === 'action' || type === 'subflow') ? 'waiting' : 'running'
}
