import type { Config } from '../config/schema.js'
import { ValidationError } from '../errors.js'
import { AddressRefusedError, checkHostLiteral, type HostResolver } from '../net/address-guard.js'
import { GuardedHttpClient, type HttpResponse } from '../net/guarded-http.js'
import { assertEnabled, checkTemplates, parseConfiguration, parseJsonOrText } from './configuration.js'
import { createDeadline, deadlineMessage, effectiveTimeoutMs } from './deadline.js'
import { parseRetryAfter } from './retry-after.js'
import type { AttemptDetails, ExecutionContext, ExecutionOutcome, Executor } from './types.js'
import { webhookConfigSchema, type WebhookConfig } from './webhook-config.js'
import { buildWebhookRequest, WebhookRequestError } from './webhook-request.js'

export type { WebhookConfig } from './webhook-config.js'

export type WebhookExecutorOptions = Config['events']['executors']['webhook'] & {
  /** Resolves host names to addresses (default: dns.lookup). The address policy judges its answers. */
  resolveHost?: HostResolver
}

/** A webhook executor owns a connection pool: close it when the runtime stops. */
export interface WebhookExecutor extends Executor<WebhookConfig> {
  close(): Promise<void>
}

const EXCERPT_IN_ERROR = 300

function findCause<T>(err: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) if (e instanceof type) return e
  return undefined
}

function describe(err: unknown): string {
  const parts: string[] = []
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code
    parts.push(code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message)
  }
  return parts.join(' <- ') || String(err)
}

/** Where the request went, without its query (which may hold tokens). */
function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}`
}

function classify(response: HttpResponse, followRedirects: number, details: AttemptDetails): ExecutionOutcome {
  const { status } = response
  if (status >= 200 && status < 300) {
    return { ok: true, output: { status, body: response.bodyTruncated ? response.body : parseJsonOrText(response.body) }, details }
  }
  const excerpt = response.body.trim().slice(0, EXCERPT_IN_ERROR)
  const said = excerpt ? `: ${excerpt}` : ''
  if (status >= 300 && status < 400) {
    const location = response.headers.location ?? '(no Location)'
    const why = followRedirects === 0 ? 'redirects are not followed (executors.webhook.followRedirects is 0)' : `more than ${followRedirects} redirects`
    return { ok: false, retryable: false, error: `${shownUrl(response.url)} answered ${status} to ${String(location)}; ${why}`, details }
  }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'])
    const outcome: ExecutionOutcome = { ok: false, retryable: true, error: `${shownUrl(response.url)} answered ${status}${said}`, details }
    return retryAfterMs === undefined ? outcome : { ...outcome, retryAfterMs }
  }
  return { ok: false, retryable: false, error: `${shownUrl(response.url)} answered ${status} (final: a client error is not retried)${said}`, details }
}

/**
 * Delivers an event over HTTP, signed by the Standard Webhooks convention. 2xx succeeds; 408, 429
 * and 5xx are retried (honouring Retry-After), as are timeouts and connection failures; other
 * statuses are final. Targets outside the public internet are refused unless configured.
 */
export function createWebhookExecutor(options: WebhookExecutorOptions): WebhookExecutor {
  const client = new GuardedHttpClient(options)

  /** A fixed IP target is judged at registration already; host names when resolved, at delivery. */
  function refuseLiteralTarget(host: string): void {
    try {
      checkHostLiteral(host, options)
    } catch (err) {
      if (err instanceof AddressRefusedError) throw new ValidationError('configuration.url', err.message)
      throw err
    }
  }

  function validateConfig(input: unknown): WebhookConfig {
    assertEnabled('webhook', options.enabled)
    const config = parseConfiguration(webhookConfigSchema, input)
    checkTemplates(config.url, 'configuration.url')
    checkTemplates(config.headers, 'configuration.headers')
    checkTemplates(config.body, 'configuration.body')
    if (!config.url.includes('{{')) refuseLiteralTarget(new URL(config.url).hostname)
    return config
  }

  async function execute(config: WebhookConfig, ctx: ExecutionContext): Promise<ExecutionOutcome> {
    const timeoutMs = effectiveTimeoutMs(config.timeout_ms, ctx.timeoutMs, options.defaultTimeoutMs)
    const started = performance.now()
    const elapsed = () => Math.round(performance.now() - started)
    let request
    try {
      request = buildWebhookRequest(config, ctx)
    } catch (err) {
      if (err instanceof WebhookRequestError) return { ok: false, retryable: false, error: err.message, details: { duration_ms: 0 } }
      throw err
    }
    const deadline = createDeadline(ctx.signal, timeoutMs)
    try {
      const maxBodyBytes = config.max_response_bytes ?? options.maxResponseBytes
      const response = await client.send(request, { signal: deadline.signal, timeoutMs, maxBodyBytes })
      const details: AttemptDetails = {
        url: shownUrl(response.url),
        status: response.status,
        body: response.body,
        body_truncated: response.bodyTruncated,
        duration_ms: elapsed(),
        ...(response.redirects.length > 0 ? { redirects: response.redirects } : {}),
      }
      return classify(response, options.followRedirects, details)
    } catch (err) {
      const details: AttemptDetails = { url: shownUrl(request.url), status: null, duration_ms: elapsed() }
      const refused = findCause(err, AddressRefusedError)
      if (refused) return { ok: false, retryable: false, error: refused.message, details }
      if (deadline.reason()) return { ok: false, retryable: true, error: `${shownUrl(request.url)}: ${deadlineMessage(deadline, timeoutMs)}`, details }
      return { ok: false, retryable: true, error: `${shownUrl(request.url)}: ${describe(err)}`, details }
    } finally {
      deadline.dispose()
    }
  }

  return { type: 'webhook', validateConfig, execute, close: () => client.close() }
}
