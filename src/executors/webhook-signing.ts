import { createHmac, timingSafeEqual } from 'node:crypto'

const PREFIX = 'whsec_'

/** The HMAC key of a Standard Webhooks secret (`whsec_<base64>`; the prefix is optional here). */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64')
}

function digest(key: Buffer, id: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest()
}

export interface SignatureHeaders {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
}

/** The Standard Webhooks headers for one delivery: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signStandardWebhook(secret: string, id: string, timestampSec: number, body: string | Uint8Array): SignatureHeaders {
  const timestamp = String(timestampSec)
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${digest(secretKey(secret), id, timestamp, body).toString('base64')}`,
  }
}

export interface VerifyInput {
  secret: string
  id: string | undefined
  timestamp: string | undefined
  /** The `webhook-signature` header: one or more space-separated `v1,<base64>` entries. */
  signature: string | undefined
  /** The raw body exactly as received. */
  body: string | Uint8Array
  /** Accepted clock difference either way, in seconds. */
  toleranceSec?: number
  /** The current time (a Date, or milliseconds since the epoch); default now. */
  now?: Date | number
}

export type VerifyResult =
  | { ok: true; timestampSec: number }
  | { ok: false; reason: 'missing_header' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature'; message: string }

/**
 * Verifies an inbound Standard Webhooks delivery. Compares in constant time; accepts the request
 * when any `v1` signature in the header matches (senders list several while rotating secrets).
 */
export function verifyStandardWebhook(input: VerifyInput): VerifyResult {
  const { id, timestamp, signature } = input
  if (!id || !timestamp || !signature) {
    return { ok: false, reason: 'missing_header', message: 'webhook-id, webhook-timestamp and webhook-signature headers are required' }
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'bad_timestamp', message: 'webhook-timestamp must be whole seconds since the Unix epoch' }
  }
  const timestampSec = Number(timestamp)
  const nowMs = input.now === undefined ? Date.now() : typeof input.now === 'number' ? input.now : input.now.getTime()
  const tolerance = input.toleranceSec ?? 300
  if (Math.abs(nowMs / 1000 - timestampSec) > tolerance) {
    return { ok: false, reason: 'stale_timestamp', message: `webhook-timestamp is more than ${tolerance} s away from the current time` }
  }
  const expected = digest(secretKey(input.secret), id, timestamp, input.body)
  let matched = false
  for (const entry of signature.split(' ')) {
    const [version, value] = entry.split(',', 2)
    if (version !== 'v1' || !value) continue
    const given = Buffer.from(value, 'base64')
    // No early exit: every candidate is compared, each in constant time.
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true
  }
  return matched ? { ok: true, timestampSec } : { ok: false, reason: 'bad_signature', message: 'no webhook-signature entry matches the body' }
}
