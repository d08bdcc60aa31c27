import { copyFileSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { connect as netConnect } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { SP_BIN, spJson } from '../support/cli.js'
import { freePort } from '../support/nats-server.js'
import { tempDir } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'
import { spawn } from 'node:child_process'

function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = netConnect(port, '127.0.0.1')
    s.once('connect', () => (s.destroy(), done(true)))
    s.once('error', () => done(false))
  })
}

describe('sp start with no NATS server at the URL', () => {
  const tmp = tempDir()
  afterAll(() => tmp.dispose())

  it('starts nats-server from nats.conf with its store under ./data, runs, and stops it on SIGTERM', async () => {
    copyFileSync(resolve(import.meta.dirname, '../../nats.conf'), join(tmp.dir, 'nats.conf'))
    const port = await freePort()
    const env = { SP_NATS_URL: `nats://127.0.0.1:${port}`, SP_DATABASE: join(tmp.dir, 'data/sp.db') }
    const child = spawn(process.execPath, [SP_BIN, 'start'], { cwd: tmp.dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
    let log = ''
    child.stderr.on('data', (d: Buffer) => (log += d.toString()))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    try {
      await waitFor(() => /\bready\b/.test(log), `ready (log: ${log})`, 30_000)
      expect(log).toMatch(/starting .*nats-server -c .*nats\.conf/)
      expect(existsSync(join(tmp.dir, 'data/nats'))).toBe(true)
      const created = await spJson<{ id: string }>(['event:create', '-t', 'hello.world'], env)
      await waitFor(async () => (await spJson<{ status: string }>(['event:info', created.id], env)).status === 'completed', 'event completed')
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    await waitFor(async () => !(await listening(port)), 'the nats-server it started has stopped')
  })
})
