import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ChildSpec } from '../../actors/supervisor.js'
import type { CreateEventInput, EventRecord } from '../model/event.js'
import type { Logger } from '../runtime/logger.js'
import type { HealthReport } from './health.js'
import { sendError, sendJson } from './respond.js'
import { WebhookReceiver, type HttpConfig } from './webhooks.js'

export interface HttpServerDeps {
  config: HttpConfig
  log: Logger
  createEvent(input: CreateEventInput): Promise<EventRecord>
  health(): Promise<HealthReport>
  /** How long `stop()` lets requests in progress finish before closing their sockets (default 5 s). */
  closeGraceMs?: number
}

export interface HttpAddress {
  host: string
  port: number
}

const WEBHOOK_PATH = /^\/webhooks\/([^/]+)\/?$/

/**
 * The runtime's HTTP server (node:http, no framework): inbound webhooks and `GET /healthz`. A
 * supervised child: `start` listens (port 0 takes a free port, kept across restarts), `stop`
 * stops accepting, lets requests in progress finish, and closes every socket.
 */
export class HttpServer implements ChildSpec {
  readonly name = 'http'
  private server: Server | null = null
  private bound: HttpAddress | null = null
  private readonly webhooks: WebhookReceiver

  constructor(private readonly deps: HttpServerDeps) {
    this.webhooks = new WebhookReceiver(deps)
  }

  /** Where the server listens, once started. */
  address(): HttpAddress | null {
    return this.server ? this.bound : null
  }

  async start(fail: (error: unknown) => void): Promise<void> {
    const { host } = this.deps.config
    const port = this.bound?.port ?? this.deps.config.port ?? 0
    const server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        this.deps.log.error('http: request failed', { method: req.method, url: req.url, error: String(err) })
        sendError(res, 500, 'internal', 'internal error')
      })
    })
    server.requestTimeout = 30_000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', fail)
    this.server = server
    this.bound = { host, port: (server.address() as AddressInfo).port }
  }

  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = null
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    const timer = setTimeout(() => server.closeAllConnections(), this.deps.closeGraceMs ?? 5000)
    await closed
    clearTimeout(timer)
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD')
      const report = await this.deps.health()
      return sendJson(res, report.status === 'ok' ? 200 : 503, report)
    }
    const match = WEBHOOK_PATH.exec(path)
    if (match) {
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST')
      let source: string
      try {
        source = decodeURIComponent(match[1]!)
      } catch {
        return sendError(res, 404, 'unknown_source', 'the webhook source in the path is not valid percent-encoding')
      }
      return this.webhooks.handle(source, req, res)
    }
    sendError(res, 404, 'not_found', `no route for ${req.method ?? 'GET'} ${path}: use POST /webhooks/<source> or GET /healthz`)
  }
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendError(res, 405, 'method_not_allowed', `use ${allow}`, { allow })
}
