import { createActor, type AnyActorScope } from 'xstate'
import type { ActionLike } from './workflow-effects.js'
import type { WorkflowSnapshot } from './workflow-snapshot.js'
import type { WorkflowEvent, WorkflowStart } from './workflow-types.js'
import type { WorkflowMachine } from './workflow.js'

export interface WorkflowStepper {
  /** As `initialTransition(machine, start)`. */
  start(start: WorkflowStart): [WorkflowSnapshot, ActionLike[]]
  /** As `transition(machine, snapshot, event)`. */
  next(snapshot: WorkflowSnapshot, event: WorkflowEvent): [WorkflowSnapshot, ActionLike[]]
}

/**
 * XState's pure `initialTransition` / `transition` for one workflow machine, with the inert actor
 * scope built once instead of per call: XState's own functions create an actor for every call,
 * and its constructor computes the machine's initial state, which costs as much as the transition
 * itself. Sharing the scope is safe because a workflow machine spawns and invokes nothing (no child
 * ever registers in the scope's system) and its effects are only collected, never executed.
 */
export function workflowStepper(machine: WorkflowMachine): WorkflowStepper {
  // Never started: only the scope's `self` (action arguments) and its system (inspection) are used.
  const self = createActor(machine, { input: {} })
  let collected: ActionLike[] = []
  const scope: AnyActorScope = {
    self,
    id: '',
    sessionId: '',
    system: self.system,
    logger: () => {},
    defer: () => {},
    emit: () => {},
    stopChild: () => {},
    actionExecutor: (action) => void collected.push(action),
  }
  const collect = (run: () => WorkflowSnapshot): [WorkflowSnapshot, ActionLike[]] => {
    collected = []
    const snapshot = run()
    return [snapshot, collected]
  }
  return {
    start: (start) => collect(() => machine.getInitialSnapshot(scope, start)),
    next: (snapshot, event) => collect(() => machine.transition(snapshot, event, scope)),
  }
}
