import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { verifyStandardWebhook } from '../../src/executors/webhook-signing.js'

const secret = `whsec_${randomBytes(24).toString('base64')}`
const body = '{"type":"invoice.paid","data":{"id":7}}'
const now = new Date('2024-06-01T12:00:00Z')

/** Headers produced by the independent library, as a sender would send them. */
function signed(at: Date = now, signingSecret = secret) {
  return { id: 'msg_1', timestamp: String(Math.floor(at.getTime() / 1000)), signature: new Webhook(signingSecret).sign('msg_1', at, body) }
}

describe('verifyStandardWebhook', () => {
  it('accepts a delivery signed by another Standard Webhooks implementation', () => {
    expect(verifyStandardWebhook({ secret, body, now, ...signed() })).toEqual({ ok: true, timestampSec: now.getTime() / 1000 })
    expect(verifyStandardWebhook({ secret, body: Buffer.from(body), now, ...signed() }).ok).toBe(true)
  })

  it('accepts any one of several space-separated signatures (secret rotation)', () => {
    const other = signed(now, `whsec_${randomBytes(24).toString('base64')}`).signature
    const headers = signed()
    expect(verifyStandardWebhook({ secret, body, now, ...headers, signature: `${other} v1a,ignored ${headers.signature}` }).ok).toBe(true)
  })

  it('refuses a tampered body, a wrong secret, and missing headers', () => {
    expect(verifyStandardWebhook({ secret, body: body.replace('7', '8'), now, ...signed() })).toMatchObject({ ok: false, reason: 'bad_signature' })
    const wrong = `whsec_${randomBytes(24).toString('base64')}`
    expect(verifyStandardWebhook({ secret: wrong, body, now, ...signed() })).toMatchObject({ ok: false, reason: 'bad_signature' })
    expect(verifyStandardWebhook({ secret, body, now, ...signed(), signature: undefined })).toMatchObject({ ok: false, reason: 'missing_header' })
    expect(verifyStandardWebhook({ secret, body, now, ...signed(), timestamp: '12:00' })).toMatchObject({ ok: false, reason: 'bad_timestamp' })
  })

  it('refuses a timestamp outside the tolerance window, either way', () => {
    const sixMinutes = 6 * 60 * 1000
    expect(verifyStandardWebhook({ secret, body, now, ...signed(new Date(now.getTime() - sixMinutes)) })).toMatchObject({ reason: 'stale_timestamp' })
    expect(verifyStandardWebhook({ secret, body, now, ...signed(new Date(now.getTime() + sixMinutes)) })).toMatchObject({ reason: 'stale_timestamp' })
    expect(verifyStandardWebhook({ secret, body, now, toleranceSec: 600, ...signed(new Date(now.getTime() - sixMinutes)) }).ok).toBe(true)
  })
})
