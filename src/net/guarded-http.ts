import type { IncomingHttpHeaders } from 'node:http'
import type * as Undici from 'undici'
import type { Agent, Dispatcher } from 'undici'
import { checkHostLiteral, guardedLookup, type AddressPolicy, type HostResolver } from './address-guard.js'

export interface GuardedHttpOptions extends AddressPolicy {
  /** Redirect hops to follow; 0 returns the 3xx response as it is. Each hop is vetted again. */
  followRedirects: number
  /** Default: the system resolver (dns.lookup). */
  resolveHost?: HostResolver
}

export interface HttpRequest {
  url: URL
  method: string
  headers: Record<string, string>
  body: string | undefined
  /** Header names dropped when a redirect leaves the origin. */
  credentialHeaders: readonly string[]
}

export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  /** The start of the body, at most `maxBodyBytes`. */
  body: string
  bodyTruncated: boolean
  /** Where the final response came from. */
  url: URL
  /** Each Location followed, in order. */
  redirects: string[]
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** The request the next hop makes, following the fetch standard's method and header rules. */
function nextHop(current: HttpRequest, status: number, location: URL): HttpRequest {
  const toGet = status === 303 || ((status === 301 || status === 302) && current.method === 'POST')
  const headers = { ...current.headers }
  if (toGet) delete headers['content-type']
  if (location.origin !== current.url.origin) for (const name of current.credentialHeaders) delete headers[name]
  return { ...current, url: location, method: toGet ? 'GET' : current.method, body: toGet ? undefined : current.body, headers }
}

function parseLocation(location: string | string[] | undefined, base: URL): URL | undefined {
  if (typeof location !== 'string') return undefined
  try {
    return new URL(location, base)
  } catch {
    return undefined
  }
}

async function readCapped(body: Dispatcher.ResponseData['body'], limit: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    const bytes = chunk as Buffer
    if (size + bytes.length > limit) {
      chunks.push(bytes.subarray(0, limit - size))
      // Dropping the rest closes the connection; reading megabytes to keep it pooled is not worth it.
      body.destroy()
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true }
    }
    chunks.push(bytes)
    size += bytes.length
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false }
}

/**
 * An HTTP client for requests to addresses that users configure: one undici Agent (a connection
 * pool per origin, reused across calls) whose sockets connect only to addresses the policy allows,
 * checked at connection time on the very addresses used, and on every redirect hop.
 */
export class GuardedHttpClient {
  /** undici is loaded with the first request: a runtime that never calls a webhook never pays for it. */
  private http: Promise<{ agent: Agent; request: typeof Undici.request }> | null = null

  constructor(private readonly options: GuardedHttpOptions) {}

  private connect(): Promise<{ agent: Agent; request: typeof Undici.request }> {
    this.http ??= import('undici').then(({ Agent, request }) => ({
      agent: new Agent({ connect: { lookup: guardedLookup(this.options, this.options.resolveHost) } }),
      request,
    }))
    return this.http
  }

  /** Throws AddressRefusedError for a refused target, or undici's error for a failed connection. */
  async send(first: HttpRequest, limits: { signal: AbortSignal; timeoutMs: number; maxBodyBytes: number }): Promise<HttpResponse> {
    const { agent, request } = await this.connect()
    let current = first
    const redirects: string[] = []
    while (true) {
      // Sockets skip the DNS lookup for IP literals, so those are judged here, before connecting.
      checkHostLiteral(current.url.hostname, this.options)
      const response = await request(current.url, {
        dispatcher: agent,
        method: current.method as Dispatcher.HttpMethod,
        headers: current.headers,
        body: current.body,
        signal: limits.signal,
        headersTimeout: limits.timeoutMs,
        bodyTimeout: limits.timeoutMs,
      })
      const location = response.headers.location
      const target = REDIRECTS.has(response.statusCode) ? parseLocation(location, current.url) : undefined
      if (target && redirects.length < this.options.followRedirects && (target.protocol === 'http:' || target.protocol === 'https:')) {
        await response.body.dump()
        redirects.push(target.href)
        current = nextHop(current, response.statusCode, target)
        continue
      }
      const { text, truncated } = await readCapped(response.body, limits.maxBodyBytes)
      return { status: response.statusCode, headers: response.headers, body: text, bodyTruncated: truncated, url: current.url, redirects }
    }
  }

  async close(): Promise<void> {
    if (this.http) await (await this.http).agent.close()
  }
}
