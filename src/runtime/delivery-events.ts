import type { WorkItem } from '../../actors/ingest.js'
import type { ExecutionOutcome } from '../executors/types.js'
import type { CreateEventInput } from '../model/event.js'
import type { Logger } from './logger.js'

/** Every delivery event's type starts with this; inbound webhooks may not map to it. */
export const DELIVERY_EVENT_PREFIX = 'webhook.delivery.'
export const DELIVERY_SUCCEEDED = 'webhook.delivery.succeeded'
export const DELIVERY_FAILED = 'webhook.delivery.failed'

export interface DeliveryEventData extends Record<string, unknown> {
  execution_id: string
  event_id: string
  event_type: string
  attempt: number
  /** The HTTP status the target answered; null when there was no answer (timeout, refused address). */
  status: number | null
  /** No attempt follows: the delivery succeeded, or failed for good (it is in the dead letters). */
  final: boolean
  error?: string
}

/**
 * The event that reports one webhook attempt, or null when none is due. Its id is deterministic
 * (`<execution id>:attempt:<n>:delivery`), so reporting the same attempt twice stores it once.
 *
 * Loop guard: a delivery whose triggering event is itself a delivery event is not reported.
 * Otherwise a webhook subscribed to `webhook.delivery.>` would be told about its own deliveries,
 * each report causing another delivery, without end.
 */
export function deliveryEvent(item: WorkItem, outcome: ExecutionOutcome, final: boolean, attempt: number): CreateEventInput | null {
  if (item.execution.executor_type !== 'webhook') return null
  if (item.event.type.startsWith(DELIVERY_EVENT_PREFIX)) return null
  const status = outcome.details?.status
  const data: DeliveryEventData = {
    execution_id: item.execution.id,
    event_id: item.event.id,
    event_type: item.event.type,
    attempt,
    status: typeof status === 'number' ? status : null,
    final,
    ...(outcome.ok ? {} : { error: outcome.error }),
  }
  return {
    id: `${item.execution.id}:attempt:${attempt}:delivery`,
    type: outcome.ok ? DELIVERY_SUCCEEDED : DELIVERY_FAILED,
    trigger_type: 'system',
    trigger_id: item.execution.id,
    data,
  }
}

/**
 * Emits `webhook.delivery.succeeded` / `.failed` through the normal event path after each webhook
 * attempt's result is committed. The attempt itself is always in `execution_attempts`; the event
 * is created just after that commit, so a crash in between leaves the attempt without its event.
 */
export class DeliveryEvents {
  private readonly pending = new Set<Promise<void>>()

  constructor(private readonly deps: { createEvent(input: CreateEventInput): Promise<unknown>; log: Logger }) {}

  attemptSettled(item: WorkItem, outcome: ExecutionOutcome, final: boolean, attempt: number): void {
    const input = deliveryEvent(item, outcome, final, attempt)
    if (!input) return
    const done = this.deps.createEvent(input).then(
      () => {},
      (err: unknown) =>
        this.deps.log.warn('cannot create a webhook delivery event; the attempt itself is recorded', {
          execution_id: item.execution.id,
          attempt,
          error: String(err),
        }),
    )
    this.pending.add(done)
    void done.finally(() => this.pending.delete(done))
  }

  /** Resolves once every delivery event asked for so far is stored (or its failure logged). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending])
  }
}
