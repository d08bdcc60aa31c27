import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { CRASH_EVENT_TYPE, registerRecorder, runCounts } from '../support/crash-recorder.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

const EVENTS = 200
const HANDLER_MS = 100
const EMBEDDED = fileURLToPath(new URL('../support/embedded-runtime.ts', import.meta.url))

/** Starts the embedded runtime in a child process; resolves with it once it printed `created <n>`. */
async function startEmbedded(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', EMBEDDED], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const output = () => out
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`the embedded runtime exited with ${child.exitCode}: ${out}`)
    return out.includes(`created ${env.SP_CREATE}`)
  }, 'the embedded runtime to accept its events', 30_000)
  return { child, output }
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

describe('kill -9 of a runtime with events in flight', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let child: ChildProcess | undefined
  let takeover: Runtime | undefined

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
  })

  afterAll(async () => {
    if (child) await kill9(child)
    await takeover?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('completes every accepted event after a restart, running each handler at least once', async () => {
    const database = join(tmp.dir, 'sp.db')
    const runLog = join(tmp.dir, 'runs.log')
    const embedded = await startEmbedded({
      SP_DATABASE: database,
      SP_NATS_URL: nats.url,
      SP_RUN_LOG: runLog,
      SP_CREATE: String(EVENTS),
      SP_HANDLER_DELAY_MS: String(HANDLER_MS),
    })
    child = embedded.child
    await waitFor(() => {
      if (embedded.child.exitCode !== null) throw new Error(`the embedded runtime exited early: ${embedded.output()}`)
      return runCounts(runLog).size >= 30
    }, '30 handler runs started before the kill')
    await kill9(child)
    const startedBeforeKill = runCounts(runLog).size
    expect(startedBeforeKill, 'the kill came while events were still in flight').toBeLessThan(EVENTS)

    takeover = await testRuntime(nats.url, database)
    registerRecorder(takeover, runLog, HANDLER_MS)
    await takeover.start()
    const rt = takeover
    await waitFor(
      async () => (await rt.events.listEvents({ type: CRASH_EVENT_TYPE, status: 'completed', limit: 1000 })).length === EVENTS,
      `all ${EVENTS} events completed after the restart`,
      45_000,
    )

    const events = await rt.events.listEvents({ type: CRASH_EVENT_TYPE, limit: 1000 })
    expect(events).toHaveLength(EVENTS)
    const counts = runCounts(runLog)
    let duplicates = 0
    for (const event of events) {
      const runs = counts.get(event.id) ?? 0
      expect(runs, `handler runs of ${event.id}`).toBeGreaterThanOrEqual(1)
      if (runs > 1) {
        duplicates += runs - 1
        // A repeat is explained: the killed attempt is recorded as interrupted, and the repeat runs under the same key.
        const [execution] = (await rt.events.getEvent(event.id)).executions
        expect(execution!.attempt_history.map((a) => a.outcome)).toContain('interrupted')
      }
    }
    console.log(
      `crash-recovery: ${EVENTS} events accepted, ${startedBeforeKill} handler runs started before kill -9, ` +
        `all ${EVENTS} completed after the restart, ${duplicates} duplicate handler runs`,
    )
    const stats = await rt.stats()
    expect(stats.executions.by_status).toEqual({ completed: EVENTS })
  })
})
