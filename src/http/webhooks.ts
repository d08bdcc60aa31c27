import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Config } from '../config/schema.js'
import { ValidationError } from '../errors.js'
import { verifyStandardWebhook } from '../executors/webhook-signing.js'
import { eventIdSchema, eventTypeSchema, type CreateEventInput, type EventRecord } from '../model/event.js'
import type { Logger } from '../runtime/logger.js'
import { DELIVERY_EVENT_PREFIX } from '../runtime/delivery-events.js'
import { readBody } from './body.js'
import { sendError, sendJson } from './respond.js'

export type HttpConfig = Config['events']['http']
type SourceConfig = HttpConfig['webhooks'][string]

/** Standard Webhooks' replay window: a timestamp further than this from our clock is refused. */
const TOLERANCE_SEC = 5 * 60

/**
 * The event id of a delivery: the same for every replay of one `webhook-id` from one source, so
 * the store's idempotent create turns replays into the first event. Readable when the webhook-id
 * is a valid id fragment; hashed otherwise.
 */
export function webhookEventId(source: string, webhookId: string): string {
  const readable = `webhook:${source}:${webhookId}`
  if (eventIdSchema.safeParse(readable).success) return readable
  const digest = createHash('sha256').update(`${source}\n${webhookId}`).digest('hex').slice(0, 40)
  return `webhook:${source.slice(0, 100)}:sha256-${digest}`
}

function isJsonContentType(value: string | undefined): boolean {
  return value?.split(';')[0]?.trim().toLowerCase() === 'application/json'
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

export interface WebhookReceiverDeps {
  config: HttpConfig
  createEvent(input: CreateEventInput): Promise<EventRecord>
  log: Logger
}

/**
 * `POST /webhooks/<source>`: checks, in order, the source (404), the content type (415), the size
 * (413), the Standard Webhooks signature and timestamp (401) and the JSON (400), then creates the
 * event and answers 202 once it is committed. A refused request creates nothing.
 */
export class WebhookReceiver {
  constructor(private readonly deps: WebhookReceiverDeps) {
    for (const [source, cfg] of Object.entries(deps.config.webhooks)) {
      const type = this.eventType(source, cfg)
      const field = `events.http.webhooks.${source}.event_type`
      const parsed = eventTypeSchema.safeParse(type)
      if (!parsed.success) throw new ValidationError(field, `"${type}" is ${parsed.error.issues[0]?.message ?? 'not a valid event type'}`)
      if (type.startsWith(DELIVERY_EVENT_PREFIX)) {
        throw new ValidationError(field, `"${type}" is reserved for the runtime's own delivery events: choose another type`)
      }
    }
  }

  private eventType(source: string, cfg: SourceConfig): string {
    return cfg.event_type ?? `webhook.${source}`
  }

  async handle(source: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { webhooks, maxBodyBytes } = this.deps.config
    const cfg = Object.hasOwn(webhooks, source) ? webhooks[source] : undefined
    if (!cfg) return sendError(res, 404, 'unknown_source', `no webhook source "${source}" is configured (events.http.webhooks.${source})`)
    if (!isJsonContentType(header(req, 'content-type'))) {
      return sendError(res, 415, 'unsupported_media_type', 'the body must be JSON sent with Content-Type: application/json')
    }
    const body = await readBody(req, maxBodyBytes)
    if (!body.ok) {
      if (body.reason === 'aborted') return
      return sendError(res, 413, 'payload_too_large', `the body is larger than ${maxBodyBytes} bytes (events.http.maxBodyBytes)`, { connection: 'close' })
    }
    const webhookId = header(req, 'webhook-id')
    const verified = verifyStandardWebhook({
      secret: cfg.secret,
      id: webhookId,
      timestamp: header(req, 'webhook-timestamp'),
      signature: header(req, 'webhook-signature'),
      body: body.bytes,
      toleranceSec: TOLERANCE_SEC,
    })
    if (!verified.ok) return sendError(res, 401, verified.reason, verified.message)
    let payload: unknown
    try {
      payload = JSON.parse(body.bytes.toString('utf8'))
    } catch (err) {
      return sendError(res, 400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`)
    }
    let event: EventRecord
    try {
      event = await this.deps.createEvent(this.eventInput(source, cfg, webhookId!, payload, req))
    } catch (err) {
      if (err instanceof ValidationError) return sendError(res, 400, 'invalid_event', err.message)
      this.deps.log.error('inbound webhook: cannot store the event', { source, webhook_id: webhookId, error: String(err) })
      // The sender retries a 5xx, with the same webhook-id: nothing is doubled.
      return sendError(res, 503, 'unavailable', 'the event could not be stored: retry later')
    }
    sendJson(res, 202, { id: event.id })
  }

  private eventInput(source: string, cfg: SourceConfig, webhookId: string, payload: unknown, req: IncomingMessage): CreateEventInput {
    const headers: Record<string, string> = {}
    for (const name of ['webhook-id', 'webhook-timestamp', ...(cfg.headers ?? [])].map((h) => h.toLowerCase())) {
      const value = header(req, name)
      if (value !== undefined) headers[name] = value
    }
    const isObject = typeof payload === 'object' && payload !== null && !Array.isArray(payload)
    return {
      id: webhookEventId(source, webhookId),
      type: this.eventType(source, cfg),
      trigger_type: 'webhook',
      trigger_id: webhookId,
      data: isObject ? (payload as Record<string, unknown>) : { payload },
      metadata: { source, headers },
    }
  }
}
