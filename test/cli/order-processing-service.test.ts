import { spawn, type ChildProcess } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WorkflowDefinitionRecord, WorkflowExecutionView } from '../../src/runtime/workflows-types.js'
import { runSp, spJson } from '../support/cli.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

const SERVICE = resolve(import.meta.dirname, '../support/order-service.ts')
const FIXTURE = resolve(import.meta.dirname, '../fixtures/workflows/order-processing.json')

interface Service {
  child: ChildProcess
  log(): string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts the order service in a child process; resolves once it printed `ready`. */
async function startService(env: Record<string, string>): Promise<Service> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVICE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })))
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`the order service exited with ${child.exitCode}: ${out}`)
    return /\bready\b/.test(out)
  }, 'the order service to be ready', 30_000)
  return { child, log: () => out, exited }
}

/** Runs `sp workflow:execute order-processing --wait` with `input`; returns the result and the execution id. */
async function execute(input: unknown, env: Record<string, string>) {
  const r = await runSp(['workflow:execute', 'order-processing', '--input', JSON.stringify(input), '--wait', '--wait-timeout', '30s'], env)
  const id = /^execution (\S+) of order-processing version 1$/m.exec(r.stdout)?.[1]
  return { ...r, id }
}

describe('the seed order-processing workflow in an embedding service, driven from sp', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let env: Record<string, string>
  let service: Service | undefined

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    env = { SP_DATABASE: join(tmp.dir, 'sp.db'), SP_NATS_URL: nats.url }
    service = await startService(env)
    const created = await spJson<WorkflowDefinitionRecord>(['workflow:create', '--file', FIXTURE], env)
    expect(created).toMatchObject({ id: 'order-processing', version: 1 })
  })

  afterAll(async () => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL')
      await service.exited
    }
    await nats?.dispose()
    tmp?.dispose()
  })

  it('takes the payment branch when inventory suffices, process-payment retried per its policy', async () => {
    const r = await execute({ inventory: { available: 10 }, quantity: 2 }, env)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^ {2}step process-payment completed \(2 attempts, \d+ ms\)$/m)
    expect(r.stdout).toMatch(/^execution \S+ completed/m)
    const status = await spJson<WorkflowExecutionView>(['workflow:status', r.id!], env)
    expect(status.status).toBe('completed')
    expect(status.steps.map((s) => [s.step_id, s.status, s.attempts])).toEqual([
      ['validate-order', 'completed', 1],
      ['process-payment', 'completed', 2],
    ])
  })

  it('takes the backorder branch when inventory is short', async () => {
    const r = await execute({ inventory: { available: 1 }, quantity: 5 }, env)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const status = await spJson<WorkflowExecutionView>(['workflow:status', r.id!], env)
    expect(status.status).toBe('completed')
    expect(status.steps.map((s) => [s.step_id, s.status, s.attempts])).toEqual([
      ['validate-order', 'completed', 1],
      ['notify-backorder', 'completed', 1],
    ])
    expect(status.steps.some((s) => s.step_id === 'process-payment')).toBe(false)
  })

  it('stops on SIGTERM with exit 0', async () => {
    const running = service!
    running.child.kill('SIGTERM')
    expect(await running.exited, running.log()).toEqual({ code: 0, signal: null })
  })
})
