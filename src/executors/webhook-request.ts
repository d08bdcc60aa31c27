import { renderTemplate, renderText } from '../model/template.js'
import type { ExecutionContext } from './types.js'
import type { WebhookAuth, WebhookConfig } from './webhook-config.js'
import { signStandardWebhook } from './webhook-signing.js'

/** One delivery as it goes on the wire (before any redirect). */
export interface WebhookRequest {
  url: URL
  method: string
  headers: Record<string, string>
  body: string | undefined
  /** Header names that carry credentials, dropped when a redirect leaves the origin. */
  credentialHeaders: string[]
}

/** A rendered configuration that cannot be sent: retrying will not change it. */
export class WebhookRequestError extends Error {
  override readonly name = 'WebhookRequestError'
}

function authHeader(auth: WebhookAuth): [string, string] {
  switch (auth.type) {
    case 'bearer':
      return ['authorization', `Bearer ${auth.token}`]
    case 'basic':
      return ['authorization', `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`]
    case 'api-key':
      return [auth.header.toLowerCase(), auth.value]
  }
}

function renderUrl(template: string, context: unknown): URL {
  const text = renderText(template, context)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new WebhookRequestError(`url rendered to "${text}", which is not a valid URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookRequestError(`url rendered to "${text}": only http and https are allowed`)
  if (url.username || url.password) throw new WebhookRequestError('url must not carry credentials: use "auth" instead')
  return url
}

function renderBody(config: WebhookConfig, ctx: ExecutionContext): { body: string | undefined; type: string } {
  if (config.method === 'GET') return { body: undefined, type: '' }
  if (config.body === undefined) return { body: JSON.stringify(ctx.event), type: 'application/json' }
  if (typeof config.body === 'string') return { body: renderText(config.body, { event: ctx.event }), type: 'text/plain; charset=utf-8' }
  return { body: JSON.stringify(renderTemplate(config.body, { event: ctx.event })), type: 'application/json' }
}

/**
 * Renders the configuration's templates for one attempt and signs the body. `webhook-id` is the
 * execution's idempotency key, so receivers can drop a retried delivery they already processed.
 */
export function buildWebhookRequest(config: WebhookConfig, ctx: ExecutionContext, nowMs = Date.now()): WebhookRequest {
  const context = { event: ctx.event }
  const url = renderUrl(config.url, context)
  const { body, type } = renderBody(config, ctx)
  const headers: Record<string, string> = { 'user-agent': 'sp-events-webhook' }
  if (type) headers['content-type'] = type
  for (const [name, value] of Object.entries(config.headers)) {
    const rendered = renderText(value, context)
    if (/[\r\n\0]/.test(rendered)) throw new WebhookRequestError(`header ${name} rendered to a value with a line break or NUL`)
    headers[name.toLowerCase()] = rendered
  }
  const credentialHeaders = ['authorization', 'cookie']
  if (config.auth) {
    const [name, value] = authHeader(config.auth)
    headers[name] = value
    credentialHeaders.push(name)
  }
  const timestampSec = Math.floor(nowMs / 1000)
  if (config.secret) Object.assign(headers, signStandardWebhook(config.secret, ctx.idempotencyKey, timestampSec, body ?? ''))
  else Object.assign(headers, { 'webhook-id': ctx.idempotencyKey, 'webhook-timestamp': String(timestampSec) })
  return { url, method: config.method, headers, body, credentialHeaders }
}
