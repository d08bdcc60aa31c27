import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, connect as netConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A private nats-server with JetStream, on a free port, with its own store directory. */
export interface TestNatsServer {
  readonly url: string
  readonly port: number
  readonly storeDir: string
  /** The HTTP monitoring endpoint (`/connz`, `/jsz`), when started with `monitor: true`. */
  readonly monitorUrl?: string
  /** Stops the server (SIGTERM) and waits for it to exit. The store is kept for `restart()`. */
  stop(): Promise<void>
  /** Kills the server with SIGKILL: the crash case. */
  kill(): Promise<void>
  /** Starts the server again on the same port and store. */
  restart(): Promise<void>
  /** Stops the server and removes its store. */
  dispose(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function waitUntil(check: () => Promise<boolean>, deadlineMs: number, what: string): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)
}

export async function startNatsServer(options: { binary?: string; monitor?: boolean } = {}): Promise<TestNatsServer> {
  const binary = options.binary ?? process.env.SP_TEST_NATS_SERVER ?? 'nats-server'
  const port = await freePort()
  const monitorPort = options.monitor ? await freePort() : undefined
  const storeDir = mkdtempSync(join(tmpdir(), 'sp-nats-'))
  let child: ChildProcess | undefined
  let stderr = ''

  const launch = async (): Promise<void> => {
    stderr = ''
    const monitorArgs = monitorPort ? ['-m', String(monitorPort)] : []
    const proc = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, ...monitorArgs], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    proc.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 8192) stderr += chunk.toString()
    })
    const spawnError = new Promise<never>((_, reject) =>
      proc.once('error', (err) => reject(new Error(`cannot start ${binary}: ${err.message} (install it: apt-get install -y nats-server)`))),
    )
    child = proc
    await Promise.race([
      waitUntil(() => canConnect(port), 10_000, `nats-server on port ${port}: ${stderr}`),
      spawnError,
    ])
  }

  const exit = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill(signal)
    })
  }

  await launch()
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    ...(monitorPort ? { monitorUrl: `http://127.0.0.1:${monitorPort}` } : {}),
    stop: () => exit('SIGTERM'),
    kill: () => exit('SIGKILL'),
    restart: async () => {
      await exit('SIGTERM')
      await launch()
    },
    dispose: async () => {
      await exit('SIGTERM')
      rmSync(storeDir, { recursive: true, force: true })
    },
  }
}
