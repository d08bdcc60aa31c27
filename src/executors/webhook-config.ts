import { z } from 'zod'
import { secretKey } from './webhook-signing.js'

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid HTTP header name')

/** Headers the runtime sets itself: configuring them would break framing or signing. */
const RESERVED_HEADERS = ['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'webhook-id', 'webhook-timestamp', 'webhook-signature']

export const WEBHOOK_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bearer'), token: z.string().min(1) }),
  z.strictObject({ type: z.literal('basic'), username: z.string().min(1), password: z.string() }),
  z.strictObject({ type: z.literal('api-key'), header: headerName, value: z.string().min(1) }),
])
export type WebhookAuth = z.output<typeof authSchema>

function checkUrl(url: string, ctx: z.RefinementCtx): void {
  if (!/^https?:\/\//i.test(url)) {
    ctx.addIssue({ code: 'custom', message: 'must start with http:// or https://' })
    return
  }
  if (url.includes('{{')) return // the rest is checked once rendered, before each delivery
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${url}" is not a valid URL` })
    return
  }
  if (parsed.username || parsed.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials: use "auth" instead' })
}

export const webhookConfigSchema = z
  .strictObject({
    /** `{{event.data.x}}` templates are allowed after the scheme. */
    url: z.string().min(1).max(8192).superRefine(checkUrl),
    method: z
      .string()
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(WEBHOOK_METHODS))
      .default('POST'),
    headers: z
      .record(headerName, z.string())
      .refine((headers) => !Object.keys(headers).some((name) => RESERVED_HEADERS.includes(name.toLowerCase())), {
        message: `must not set ${RESERVED_HEADERS.join(', ')}: the runtime sets them`,
      })
      .default({}),
    /** A string is sent as text; any other JSON value as JSON. Default: the event as JSON. */
    body: z.unknown().optional(),
    timeout_ms: z.number().int().min(1).max(3_600_000).optional(),
    secret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/=]+$/, 'must be a Standard Webhooks secret: "whsec_" followed by base64')
      .refine((s) => !s.startsWith('whsec_') || secretKey(s).length >= 16, 'the key is shorter than 16 bytes: use 24 to 64 random bytes')
      .optional(),
    auth: authSchema.optional(),
    max_response_bytes: z.number().int().min(0).max(64 * 1024 * 1024).optional(),
  })
  .superRefine((config, ctx) => {
    if (config.method === 'GET' && config.body !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: 'a GET request has no body: remove "body" or use POST' })
    }
    const authHeader = config.auth?.type === 'api-key' ? config.auth.header.toLowerCase() : config.auth ? 'authorization' : undefined
    if (authHeader && Object.keys(config.headers).some((name) => name.toLowerCase() === authHeader)) {
      ctx.addIssue({ code: 'custom', path: ['headers', authHeader], message: `set by "auth" too: keep one of them` })
    }
  })
export type WebhookConfig = z.output<typeof webhookConfigSchema>
