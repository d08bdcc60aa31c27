import { z } from 'zod'
import { conditionSchema, type Condition } from './condition.js'
import { EVENT_PRIORITIES, eventPatternSchema, eventTypeSchema, type EventPriority } from './event.js'
import { retryPolicySchema, type RetryPolicyInput } from './retry-policy.js'

export const EXECUTOR_TYPES = ['function', 'command', 'webhook', 'workflow'] as const
export type ExecutorType = (typeof EXECUTOR_TYPES)[number]

const handlerFields = {
  name: z.string().min(1).max(200).optional(),
  executor_type: z.enum(EXECUTOR_TYPES),
  configuration: z.record(z.string(), z.unknown()).default({}),
  retry_policy: retryPolicySchema.optional(),
  conditions: z.array(conditionSchema).max(100).default([]),
  /** Overrides the event's priority for this handler's executions. */
  priority: z.enum(EVENT_PRIORITIES).optional(),
  timeout_ms: z.number().int().min(1).max(86_400_000).optional(),
  enabled: z.boolean().default(true),
}

export const registerHandlerSchema = z.strictObject({ event_type: eventTypeSchema, ...handlerFields })
export type RegisterHandlerInput = z.input<typeof registerHandlerSchema>

export const registerListenerSchema = z.strictObject({
  event_pattern: eventPatternSchema,
  ...handlerFields,
  /** The seed's name for a listener's conditions; `conditions` is accepted too. */
  filter_conditions: z.array(conditionSchema).max(100).optional(),
})
export type RegisterListenerInput = z.input<typeof registerListenerSchema>

/** A handler (exact type) or a listener (pattern): both turn a matching event into executions. */
export interface Subscription {
  id: string
  kind: 'handler' | 'listener'
  /** The exact type for a handler, the pattern for a listener. */
  match: string
  name: string | null
  executor_type: ExecutorType
  configuration: Record<string, unknown>
  retry_policy: RetryPolicyInput | null
  conditions: Condition[]
  priority: EventPriority | null
  timeout_ms: number | null
  enabled: boolean
  created_at: string
  updated_at: string
}

export interface HandlerRecord extends Omit<Subscription, 'kind' | 'match'> {
  event_type: string
}

export interface ListenerRecord extends Omit<Subscription, 'kind' | 'match' | 'conditions'> {
  event_pattern: string
  filter_conditions: Condition[]
}
