import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { configSchema } from '../../src/config/schema.js'
import type { CommandExecutorOptions } from '../../src/executors/command.js'
import type { ExecutionContext } from '../../src/executors/types.js'
import type { WebhookExecutorOptions } from '../../src/executors/webhook.js'
import type { EventRecord } from '../../src/model/event.js'

export const FIXTURES = new URL('./fixtures/', import.meta.url).pathname

const defaults = () => configSchema.parse({}).events.executors

export function commandOptions(overrides: Partial<CommandExecutorOptions> = {}): CommandExecutorOptions {
  return { ...defaults().command, ...overrides }
}

/** Test hosts resolve to loopback only: no test traffic leaves 127.0.0.0/8. */
export function webhookOptions(overrides: Partial<WebhookExecutorOptions> = {}): WebhookExecutorOptions {
  return {
    ...defaults().webhook,
    resolveHost: async () => [{ address: '127.0.0.1', family: 4 }],
    ...overrides,
  }
}

export function testEvent(overrides: Partial<EventRecord> = {}): EventRecord {
  const now = new Date().toISOString()
  return {
    id: 'evt_01',
    name: 'order.created',
    type: 'order.created',
    priority: 'normal',
    data: { order: { id: 42, customer: 'ada' } },
    metadata: {},
    trigger_type: 'api',
    trigger_id: null,
    status: 'processing',
    scheduled_at: null,
    created_at: now,
    updated_at: now,
    completed_at: null,
    error: null,
    ...overrides,
  }
}

export function testContext(overrides: Partial<ExecutionContext> = {}): ExecutionContext {
  return {
    executionId: 'exe_01',
    idempotencyKey: 'exe_01:key',
    attempt: 1,
    event: testEvent(),
    signal: new AbortController().signal,
    timeoutMs: undefined,
    ...overrides,
  }
}

export interface ReceivedRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
  remotePort: number | undefined
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  readonly port: number
  readonly requests: ReceivedRequest[]
  close(): Promise<void>
}

/** A real HTTP server on 127.0.0.1 that records each request, then lets `respond` answer it. */
export async function startServer(respond: (req: ReceivedRequest, res: ServerResponse) => void): Promise<TestServer> {
  const requests: ReceivedRequest[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort,
      }
      requests.push(received)
      respond(received, res)
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** True while a process with this pid runs. A zombie (dead, not yet reaped by init) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; the state letter follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true
  }
}
