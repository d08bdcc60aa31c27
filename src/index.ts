/** sp-events: the public API for services that embed the runtime. */
export { createRuntime } from './runtime/runtime.js'
export type { Runtime, RuntimeOptions, EventService } from './runtime/runtime.js'
export type { EventWithExecutions } from './runtime/events-api.js'
export type { DeadLetter } from './runtime/dead-letters-api.js'
export type { Stats } from './runtime/stats.js'
export type { Logger } from './runtime/logger.js'
export { stderrLogger, silentLogger } from './runtime/logger.js'
export { FinalError } from './executors/types.js'
export type { Executor, ExecutionContext, ExecutionOutcome } from './executors/types.js'
export type { FunctionContext, RegisteredFunction } from './executors/function-registry.js'
export { FunctionRegistry } from './executors/function-registry.js'
export { SpError, ValidationError, NotFoundError, ConflictError, UnsupportedError, UnavailableError } from './errors.js'
export type { ErrorCode } from './errors.js'
export { loadConfig, parseConfig } from './config/load.js'
export type { Config, ConfigInput } from './config/schema.js'
export {
  EVENT_PRIORITIES,
  EVENT_STATUSES,
  TRIGGER_TYPES,
  matchesPattern,
  type CreateEventInput,
  type EventPriority,
  type EventRecord,
  type EventStatus,
  type ListEventsFilter,
  type TriggerType,
} from './model/event.js'
export {
  EXECUTOR_TYPES,
  type ExecutorType,
  type HandlerRecord,
  type ListenerRecord,
  type RegisterHandlerInput,
  type RegisterListenerInput,
} from './model/handler.js'
export type { RetryPolicy, RetryPolicyInput } from './model/retry-policy.js'
export type { Condition, ConditionOperator } from './model/condition.js'
export type { ExecutionView, AttemptView, ExecutionStatus } from './store/repositories/executions.js'
