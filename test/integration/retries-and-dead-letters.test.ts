import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import type { ExecutionView } from '../../src/store/repositories/executions.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

/** Exits 0 once the marker file exists, 3 before: a command that fails until the test fixes "the outside world". */
const UNTIL_MARKER = 'process.exit(require("node:fs").existsSync(process.argv[1]) ? 0 : 3)'
const POLICY = { strategy: 'fixed', max_attempts: 3, initial_delay_ms: 200 } as const

function gaps(execution: ExecutionView): number[] {
  const starts = execution.attempt_history.map((a) => Date.parse(a.started_at))
  return starts.slice(1).map((t, i) => t - starts[i]!)
}

describe('retries and dead letters', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  let marker: string

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    marker = join(tmp.dir, 'fixed')
    runtime = await testRuntime(nats.url, join(tmp.dir, 'sp.db'))
    await runtime.events.registerHandler({
      event_type: 'report.build',
      executor_type: 'command',
      configuration: { command: process.execPath, args: ['-e', UNTIL_MARKER, marker], stdin: 'none' },
      retry_policy: POLICY,
    })
    await runtime.start()
  })

  afterAll(async () => {
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  const settled = (id: string, status: 'completed' | 'failed') =>
    waitFor(async () => {
      const e = await runtime.events.getEvent(id)
      return e.status === status ? e : null
    }, `event ${id} ${status}`)

  it('gives up after max_attempts at the policy delays, fails the event and dead-letters the execution, and redrive runs it again', async () => {
    const created = await runtime.events.createEvent({ type: 'report.build', data: { month: '2024-01' } })
    const failed = await settled(created.id, 'failed')
    const [execution] = failed.executions
    expect(execution!.status).toBe('failed')
    expect(execution!.attempts).toBe(3)
    expect(execution!.attempt_history.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'failed'], [2, 'failed'], [3, 'failed']])
    for (const gap of gaps(execution!)) expect(gap).toBeGreaterThanOrEqual(190)
    expect(execution!.error).toMatch(/3/)

    const letters = (await runtime.deadLetters.list({ kind: 'execution' })).filter((l) => l.event_id === created.id)
    expect(letters).toHaveLength(1)
    expect(letters[0]!.execution_id).toBe(execution!.id)
    expect(letters[0]!.reason).toMatch(/3 of 3 attempts/)

    // Redriven while the command still fails: three more attempts, numbered on from 4, then a new dead letter.
    await runtime.deadLetters.redrive(letters[0]!.id)
    const again = await waitFor(async () => {
      const e = await runtime.events.getEvent(created.id)
      return e.status === 'failed' && e.executions[0]!.attempts === 6 ? e : null
    }, 'the redriven execution to fail again after 6 attempts')
    const second = again.executions[0]!
    expect(second.attempt_history.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6])
    expect(second.idempotency_key).toBe(execution!.idempotency_key)
    for (const gap of gaps(second).slice(3)) expect(gap).toBeGreaterThanOrEqual(190)
    expect((await runtime.deadLetters.list({ kind: 'execution', include_redriven: true })).filter((l) => l.event_id === created.id)).toHaveLength(2)
    const open = (await runtime.deadLetters.list({ kind: 'execution' })).filter((l) => l.event_id === created.id)
    expect(open).toHaveLength(1)

    // Fixed outside: the next redrive succeeds at its first attempt (the 7th), and the event completes.
    writeFileSync(marker, 'ok')
    await runtime.deadLetters.redrive(open[0]!.id)
    const done = await settled(created.id, 'completed')
    expect(done.executions[0]!.status).toBe('completed')
    expect(done.executions[0]!.attempts).toBe(7)
    expect(done.executions[0]!.attempt_history.at(-1)!.outcome).toBe('succeeded')
    expect((await runtime.deadLetters.list({ kind: 'execution' })).filter((l) => l.event_id === created.id)).toHaveLength(0)
    await expect(runtime.deadLetters.redrive(open[0]!.id)).rejects.toThrow(/already redriven/)
  })
})

describe('retries across a restart', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
  })

  afterAll(async () => {
    await nats?.dispose()
    tmp?.dispose()
  })

  it('runs a retry stored before a stop at its stored time in the next runtime', async () => {
    const database = join(tmp.dir, 'sp.db')
    const first = await testRuntime(nats.url, database)
    const calls: { attempt: number; at: number; runtime: string }[] = []
    const flaky = (runtimeId: string) => (_input: unknown, ctx: { attempt: number }) => {
      calls.push({ attempt: ctx.attempt, at: Date.now(), runtime: runtimeId })
      if (ctx.attempt === 1) throw new Error('first attempt fails')
      return { ok: true }
    }
    first.functions.register('t.flaky', flaky(first.id))
    await first.events.registerHandler({
      event_type: 'sync.run',
      executor_type: 'function',
      configuration: { function: 't.flaky' },
      retry_policy: { strategy: 'fixed', max_attempts: 2, initial_delay_ms: 1500 },
    })
    await first.start()
    const event = await first.events.createEvent({ type: 'sync.run' })
    const retrying = await waitFor(async () => {
      const x = (await first.events.getEvent(event.id)).executions[0]
      return x?.status === 'retrying' ? x : null
    }, 'the execution retrying')
    const dueAt = Date.parse(retrying.next_attempt_at!)
    await first.stop()
    expect(calls).toHaveLength(1)

    const second = await testRuntime(nats.url, database)
    second.functions.register('t.flaky', flaky(second.id))
    await second.start()
    try {
      const done = await waitFor(async () => {
        const e = await second.events.getEvent(event.id)
        return e.status === 'completed' ? e : null
      }, 'the event completed by the second runtime')
      const execution = done.executions[0]!
      expect(execution.attempts).toBe(2)
      expect(calls.map((c) => [c.attempt, c.runtime])).toEqual([[1, first.id], [2, second.id]])
      expect(calls[1]!.at).toBeGreaterThanOrEqual(dueAt - 5)
      expect(Date.parse(execution.attempt_history[1]!.started_at)).toBeGreaterThanOrEqual(dueAt - 5)
    } finally {
      await second.stop()
    }
  })
})
