import { assign, setup } from 'xstate'
import type { WorkflowDefinition } from '../src/workflow/definition.js'
import { validateWorkflow } from '../src/workflow/validate.js'
import { buildWorkflowConfig } from './workflow-config.js'
import * as guard from './workflow-guards.js'
import { modelOf } from './workflow-model.js'
import * as reduce from './workflow-reducers.js'
import type { FailureParams, StepParams, TimerParams } from './workflow-reducers.js'
import type { FinalStatus, WorkflowContext, WorkflowEvent, WorkflowStart, WorkflowStatus } from './workflow-types.js'

/** Effects are data: these actions do nothing when run, `effectsOf` turns them into what the host performs. */
const effect =
  <P>() =>
  (_: unknown, _params: P): void => {}

/**
 * Compiles a parsed definition into a pure XState machine (checking it again, so a definition built
 * in code cannot slip past the validator). Drive it with `initialTransition(machine, {input, event})`
 * and `transition(machine, snapshot, event)`, and hand the returned actions to `effectsOf`. Its
 * config is `buildWorkflowConfig(definition)`: plain JSON.
 */
export function compileWorkflow(definition: WorkflowDefinition) {
  validateWorkflow(definition)
  const model = modelOf(definition)
  const workflow = setup({
    types: {
      context: {} as WorkflowContext,
      events: {} as WorkflowEvent,
      input: {} as WorkflowStart,
    },
    actions: {
      initialize: assign(({ event }) => reduce.initialize(event)),
      recordOutput: assign(({ context, event }, p: StepParams) => reduce.recordOutput(model, context, event, p)),
      recordEmitted: assign(({ context }, p: StepParams) => reduce.recordEmitted(model, context, p)),
      recordCondition: assign(({ context }, p: StepParams & { result: boolean }) => reduce.recordCondition(context, p)),
      failWorkflow: assign(({ context, event }, p: FailureParams) => reduce.failWorkflow(context, event, p)),
      skipFailedStep: assign(({ context, event }, p: FailureParams) => reduce.skipFailedStep(context, event, p)),
      armTimer: assign(({ context }, p: TimerParams) => reduce.armTimer(model, context, p)),
      disarmTimer: assign(({ context }, p: TimerParams) => reduce.disarmTimer(model, context, p)),
      armEventWait: assign(({ context }, p: StepParams) => reduce.armEventWait(model, context, p)),
      disarmEventWait: assign(({ context }, p: StepParams) => reduce.disarmEventWait(context, p)),
      startLoop: assign(({ context }, p: StepParams) => reduce.startLoop(model, context, p)),
      beginIteration: assign(({ context }, p: StepParams) => reduce.beginIteration(model, context, p)),
      nextIteration: assign(({ context }, p: StepParams) => reduce.nextIteration(model, context, p)),
      finishLoop: assign(({ context }, p: StepParams) => reduce.finishLoop(context, p)),
      recordParallel: assign(({ context }, p: StepParams & { branch?: number }) => reduce.recordParallel(model, context, p)),
      requestCancel: assign(({ event }) => reduce.requestCancel(event)),
      setOutput: assign(({ context }) => reduce.setOutput(model, context)),
      setStatus: assign((_, p: { status: WorkflowStatus }) => reduce.setStatus(p)),
      popCompensation: assign(({ context }) => reduce.popCompensation(context)),
      recordCompensationFailure: assign(({ context, event }) => reduce.recordCompensationFailure(context, event)),
      startStep: effect<StepParams>(),
      cancelStep: effect<StepParams>(),
      emitEvent: effect<StepParams>(),
      startSubflow: effect<StepParams>(),
      cancelSubflow: effect<StepParams>(),
      setTimer: effect<TimerParams>(),
      cancelTimer: effect<TimerParams>(),
      awaitEvent: effect<StepParams>(),
      stopAwaitingEvent: effect<StepParams>(),
      startCompensation: effect<undefined>(),
      runCompensation: effect<undefined>(),
      finish: effect<{ status: FinalStatus }>(),
    },
    guards: {
      isStep: ({ context, event }, p: StepParams) => guard.isStep(model, context, event, p),
      isTimer: ({ context, event }, p: TimerParams) => guard.isTimer(model, context, event, p),
      eventMatches: ({ context, event }, p: StepParams) => guard.eventMatches(model, context, event, p),
      conditionsHold: ({ context }, p: StepParams) => guard.conditionsHold(model, context, p),
      hasStartError: ({ context }, p: StepParams) => guard.hasStartError(context, p),
      loopFinished: ({ context }, p: StepParams) => guard.loopFinished(model, context, p),
      loopAtLimit: ({ context }, p: StepParams) => guard.loopAtLimit(model, context, p),
      cancelWithCompensation: ({ event }) => event.type === 'CANCEL' && event.compensate === true,
      cancelRequested: ({ context }) => context.cancel !== null,
      compensationPending: ({ context }) => context.compensation.length > 0,
      isCompensation: ({ context, event }) => guard.isCompensation(context, event),
    },
  })
  // The config is built as JSON (so it exports as is); its action and guard names match the setup above.
  const config = buildWorkflowConfig(definition) as unknown as Parameters<typeof workflow.createMachine>[0]
  return workflow.createMachine(config)
}

export type WorkflowMachine = ReturnType<typeof compileWorkflow>
