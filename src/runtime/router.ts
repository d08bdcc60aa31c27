import type { Insertable } from 'kysely'
import { evaluateConditions } from '../model/condition.js'
import { matchesPattern, PRIORITY_RANK, type EventRecord } from '../model/event.js'
import type { HandlerRecord, ListenerRecord, Subscription } from '../model/handler.js'
import { newId } from '../model/ids.js'
import { resolveRetryPolicy, retryPolicySchema, type RetryPolicy } from '../model/retry-policy.js'
import { handlerSubscription, listenerSubscription } from '../store/repositories/subscriptions.js'
import type { EventExecutionsTable } from '../store/schema.js'

export interface RetryDefaults {
  maxRetries: number
  retryDelayMs: number
}

/** One Subscription per (cached) record, and its resolved retry policy and configuration as stored. */
const subscriptionOf = new WeakMap<HandlerRecord | ListenerRecord, Subscription>()
const resolvedOf = new WeakMap<Subscription, { policy: RetryPolicy; policyJson: string; configJson: string; defaults: RetryDefaults }>()

function subscription<R extends HandlerRecord | ListenerRecord>(record: R, make: (r: R) => Subscription): Subscription {
  let s = subscriptionOf.get(record)
  if (!s) subscriptionOf.set(record, (s = make(record)))
  return s
}

function resolved(s: Subscription, defaults: RetryDefaults) {
  const hit = resolvedOf.get(s)
  if (hit && hit.defaults === defaults) return hit
  const policy = resolveRetryPolicy(s.retry_policy ? retryPolicySchema.parse(s.retry_policy) : undefined, defaults)
  const value = { policy, policyJson: JSON.stringify(policy), configJson: JSON.stringify(s.configuration), defaults }
  resolvedOf.set(s, value)
  return value
}

/** The subscriptions an event reaches: handlers of its exact type, listeners whose pattern matches; conditions filter both. */
export function matchingSubscriptions(
  event: EventRecord,
  handlers: readonly HandlerRecord[],
  listeners: readonly ListenerRecord[],
): Subscription[] {
  const out: Subscription[] = []
  for (const h of handlers) {
    if (h.enabled && h.event_type === event.type && evaluateConditions(h.conditions, event)) out.push(subscription(h, handlerSubscription))
  }
  for (const l of listeners) {
    if (l.enabled && matchesPattern(l.event_pattern, event.type) && evaluateConditions(l.filter_conditions, event)) {
      out.push(subscription(l, listenerSubscription))
    }
  }
  return out
}

/**
 * One execution row per matching subscription. The idempotency key is `<event id>:<subscription
 * id>`: the same for every attempt, restart and redrive of that pair, and unique per pair.
 */
export function executionRows(
  event: EventRecord,
  subscriptions: readonly Subscription[],
  defaults: RetryDefaults,
  leaseOwner: string | null,
  now: string,
): Insertable<EventExecutionsTable>[] {
  return subscriptions.map((s) => {
    const { policy, policyJson, configJson } = resolved(s, defaults)
    const priority = s.priority ?? event.priority
    return {
      id: newId('exe'),
      event_id: event.id,
      subscription_id: s.id,
      subscription_kind: s.kind,
      executor_type: s.executor_type,
      status: 'pending',
      priority,
      priority_rank: PRIORITY_RANK[priority],
      idempotency_key: `${event.id}:${s.id}`,
      configuration: configJson,
      retry_policy: policyJson,
      timeout_ms: s.timeout_ms,
      attempts: 0,
      max_attempts: policy.max_attempts,
      next_attempt_at: null,
      lease_owner: leaseOwner,
      started_at: null,
      completed_at: null,
      duration_ms: null,
      error: null,
      output: null,
      created_at: now,
      updated_at: now,
    }
  })
}
