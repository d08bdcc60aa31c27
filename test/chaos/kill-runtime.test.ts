import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startSp, type SpProcess } from '../support/cli.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

const EVENTS = 200

describe('kill -9 of sp start with 200 events in flight', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let env: Record<string, string>
  let client: Runtime
  const running: SpProcess[] = []

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    env = { SP_DATABASE: join(tmp.dir, 'sp.db'), SP_NATS_URL: nats.url }
    client = await testRuntime(nats.url, env.SP_DATABASE!)
  })

  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
    await client?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('completes every event after a restart, losing none; duplicates are counted', async () => {
    const ran = join(tmp.dir, 'ran.txt')
    writeFileSync(ran, '')
    await client.events.registerHandler({
      event_type: 'chaos.work',
      executor_type: 'command',
      configuration: { command: '/bin/sh', args: ['-c', `echo "$SP_IDEMPOTENCY_KEY $SP_ATTEMPT" >> '${ran}'; sleep 0.05`] },
    })
    const first = await startSp(env)
    running.push(first)
    const ids = (await Promise.all(Array.from({ length: EVENTS }, (_, i) => client.events.createEvent({ type: 'chaos.work', data: { i } })))).map((e) => e.id)

    // Kill at the midpoint: some done, some running, most queued.
    await waitFor(() => readFileSync(ran, 'utf8').split('\n').length > EVENTS / 4, 'a quarter of the handlers ran', 60_000)
    first.child.kill('SIGKILL')
    const exit = await first.exited
    expect(exit.signal).toBe('SIGKILL')
    const before = readFileSync(ran, 'utf8').trim().split('\n').length
    expect(before).toBeLessThan(EVENTS)

    const second = await startSp(env)
    running.push(second)
    await waitFor(async () => {
      const events = await client.events.listEvents({ type: 'chaos.work', limit: EVENTS + 10 })
      return events.length === EVENTS && events.every((e) => e.status === 'completed')
    }, `all ${EVENTS} events completed after the restart`, 90_000)

    const lines = readFileSync(ran, 'utf8').trim().split('\n')
    const runs = new Map<string, number>()
    for (const line of lines) {
      const key = line.split(' ')[0]!
      runs.set(key, (runs.get(key) ?? 0) + 1)
    }
    // Every event's handler ran at least once, under the key of that event.
    for (const id of ids) expect(runs.get(`${id}:${(await client.events.getEvent(id)).executions[0]!.handler_id}`) ?? 0).toBeGreaterThanOrEqual(1)
    const duplicates = [...runs.values()].reduce((n, count) => n + count - 1, 0)
    console.log(`kill -9 at ${before} of ${EVENTS} handler runs: ${duplicates} ran twice (at-least-once: the attempts cut short by the kill)`)
    // Only attempts in flight at the kill can run twice: at most the command pool's concurrency.
    expect(duplicates).toBeLessThanOrEqual(10)

    second.child.kill('SIGTERM')
    expect((await second.exited).code).toBe(0)
  })
})
