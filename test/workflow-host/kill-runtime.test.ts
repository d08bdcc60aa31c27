import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'
import { chain, logLines, storeDefinition } from './support/workflows.js'

const SERVICE = fileURLToPath(new URL('./support/workflow-runtime.ts', import.meta.url))
const EXECUTIONS = 50

async function startService(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVICE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`the workflow runtime exited with ${child.exitCode}: ${out}`)
    return out.includes('ready')
  }, 'the workflow runtime to start', 30_000)
  return child
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

/** Runs per idempotency key, from the log lines `<tag> <key>`. */
function counts(lines: string[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of lines) {
    const key = line.split(' ')[1]!
    out.set(key, (out.get(key) ?? 0) + 1)
  }
  return out
}

describe('kill -9 of a runtime driving workflows', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let client: Runtime
  const children: ChildProcess[] = []

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    // Never started, as the CLI: `start` stores the execution and wakes whichever runtime runs.
    client = await testRuntime(nats.url, join(tmp.dir, 'sp.db'))
    await storeDefinition(join(tmp.dir, 'sp.db'), chain('five', 5, 'wf.step'))
    await storeDefinition(join(tmp.dir, 'sp.db'), chain('saga', 3, 'wf.step', { compensate: 'wf.undo', failAt: 3, compensateWorkflow: true }))
  })

  afterAll(async () => {
    for (const c of children) await kill9(c)
    await client?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('completes all 50 five-step executions after a restart; no completed step runs again', async () => {
    const log = join(tmp.dir, 'five.log')
    const env = { SP_DATABASE: join(tmp.dir, 'sp.db'), SP_NATS_URL: nats.url, SP_RUN_LOG: log, SP_STEP_DELAY_MS: '40' }
    const first = await startService(env)
    children.push(first)
    const ids = (await Promise.all(Array.from({ length: EXECUTIONS }, (_, i) => client.workflows.start('five', { i })))).map((e) => e.id)
    await waitFor(() => logLines(log).length >= (EXECUTIONS * 5) / 3, 'a third of the steps to run', 60_000)
    await kill9(first)
    const before = counts(logLines(log))
    const completedBefore = new Set(
      (await client.workflows.listExecutions({ workflow_id: 'five', limit: 1000 })).flatMap((e) => e.steps.filter((s) => s.status === 'completed').map((s) => `${e.id}:${s.key}`)),
    )
    expect(completedBefore.size).toBeLessThan(EXECUTIONS * 5)

    const second = await startService(env)
    children.push(second)
    await waitFor(async () => {
      const all = await client.workflows.listExecutions({ workflow_id: 'five', limit: 1000 })
      return all.length === EXECUTIONS && all.every((e) => e.status === 'completed')
    }, `all ${EXECUTIONS} executions to complete after the restart`, 90_000)

    const after = counts(logLines(log))
    for (const id of ids) for (let s = 1; s <= 5; s++) expect(after.get(`${id}:s${s}`) ?? 0).toBeGreaterThanOrEqual(1)
    // A step recorded completed before the kill never ran again.
    for (const key of completedBefore) expect(after.get(key)).toBe(before.get(key))
    const duplicates = [...after.values()].reduce((n, c) => n + c - 1, 0)
    console.log(`kill -9 after ${[...before.values()].reduce((a, b) => a + b, 0)} of ${EXECUTIONS * 5} step runs: ${duplicates} ran twice (in flight at the kill)`)
    // Only runs in flight at the kill repeat: at most the function pool's concurrency.
    expect(duplicates).toBeLessThanOrEqual(10)
    await kill9(second)
  })

  it('a crash during compensation resumes it: steps 2 then 1 are undone', async () => {
    const log = join(tmp.dir, 'saga.log')
    const env = { SP_DATABASE: join(tmp.dir, 'sp.db'), SP_NATS_URL: nats.url, SP_RUN_LOG: log, SP_UNDO_DELAY_MS: '60000' }
    const first = await startService(env)
    children.push(first)
    const started = await client.workflows.start('saga', {})
    await waitFor(() => logLines(log).some((l) => l.startsWith('undo ')), 'the first compensation to begin', 30_000)
    await kill9(first)
    const second = await startService({ ...env, SP_UNDO_DELAY_MS: '0' })
    children.push(second)
    const done = await waitFor(async () => {
      const e = await client.workflows.getExecution(started.id)
      return e.status === 'compensated' ? e : null
    }, 'the compensation to resume and finish', 60_000)
    expect(done.status).toBe('compensated')
    const undos = logLines(log).filter((l) => l.startsWith('undo '))
    // The undo of s2 was in flight at the kill: it runs again under the same key, then s1's.
    expect(undos).toEqual([`undo ${started.id}:s2:compensate`, `undo ${started.id}:s2:compensate`, `undo ${started.id}:s1:compensate`])
    await kill9(second)
  })
})
