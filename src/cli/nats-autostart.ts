import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect as netConnect } from 'node:net'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UnavailableError } from '../errors.js'

function answers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((done) => {
    const socket = netConnect(port, host)
    const timer = setTimeout(() => {
      socket.destroy()
      done(false)
    }, timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.destroy()
      done(true)
    })
    socket.once('error', () => {
      clearTimeout(timer)
      done(false)
    })
  })
}

function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin']
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p))
}

/** The nats.conf beside package.json: the working directory's first, else the package's own. */
function findConf(): string {
  const local = resolve('nats.conf')
  if (existsSync(local)) return local
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../nats.conf')
}

/**
 * When nothing answers at a local NATS URL, starts `nats-server -c nats.conf` (JetStream, store
 * under ./data/nats) as a child of this process. Returns the child (to stop with the runtime), or
 * null when a server already answers. A remote URL that does not answer is an error.
 */
export async function ensureLocalNats(url: string, log: (line: string) => void): Promise<ChildProcess | null> {
  const u = new URL(url.split(',')[0]!.trim())
  const host = u.hostname || '127.0.0.1'
  const port = Number(u.port || 4222)
  if (await answers(host, port)) return null
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new UnavailableError(`no NATS server answers at ${url}`)
  }
  const binary = findBinary('nats-server')
  if (!binary) {
    throw new UnavailableError(
      `no NATS server answers at ${url}, and nats-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y nats-server) and run \`sp start\` again, or pass --nats <url> of a running server with JetStream`,
    )
  }
  const conf = findConf()
  log(`no NATS server at ${url}: starting ${binary} -c ${conf} -p ${port}`)
  const child = spawn(binary, ['-c', conf, '-a', host === 'localhost' ? '127.0.0.1' : host, '-p', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] })
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new UnavailableError(`nats-server exited with code ${child.exitCode}; see its output above`)
    if (await answers(host, port, 200)) return child
    await new Promise((r) => setTimeout(r, 50))
  }
  child.kill('SIGTERM')
  throw new UnavailableError(`nats-server did not answer on ${host}:${port} within 10 s`)
}
