import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { Webhook } from 'standardwebhooks'

export const newSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`

export interface PostOptions {
  secret: string
  /** The webhook-id (default: a fresh one). */
  id?: string
  /** When the sender signed (default now). */
  at?: Date
  contentType?: string
  headers?: Record<string, string>
  /** Replaces the signature header. */
  signature?: string
}

export interface HttpReply {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

/** POSTs `body` to `url`, signed by the standardwebhooks library (an independent implementation). */
export async function postSigned(url: string, body: string, o: PostOptions): Promise<HttpReply> {
  const id = o.id ?? `msg_${randomBytes(8).toString('hex')}`
  const at = o.at ?? new Date()
  const signature = o.signature ?? new Webhook(o.secret).sign(id, at, body)
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': o.contentType ?? 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
      ...o.headers,
    },
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }
}

/** POSTs `chunks` without a Content-Length (chunked transfer encoding), signed like `postSigned`. */
export function postChunked(url: string, chunks: string[], secret: string): Promise<{ status: number; body: string }> {
  const id = `msg_${randomBytes(8).toString('hex')}`
  const at = new Date()
  const signature = new Webhook(secret).sign(id, at, chunks.join(''))
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      },
    })
    req.once('response', (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.once('error', reject)
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })
}
