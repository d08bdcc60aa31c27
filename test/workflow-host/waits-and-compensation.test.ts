import { join } from 'node:path'
import { connect } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../src/runtime/runtime.js'
import { openStore } from '../../src/store/database.js'
import { CheckpointCipher, openCheckpoint } from '../../src/workflow/checkpoint-crypto.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'
import { chain, logLines, registerRecorders, storeDefinition } from './support/workflows.js'

const waitThenStep = {
  id: 'wait-then-step',
  name: 'wait then step',
  version: 1,
  steps: [
    { id: 'pause', type: 'wait', duration: '3s', next_steps: ['after'] },
    { id: 'after', type: 'action', action: 'wf.step' },
  ],
}

const awaitPayment = {
  id: 'await-payment',
  name: 'await payment',
  version: 1,
  inputs: { order_id: { type: 'integer', required: true } },
  steps: [
    { id: 'wait-paid', type: 'wait_for_event', event_type: 'payment.received', match: { 'data.order_id': '{{inputs.order_id}}' }, timeout: '1500ms', on_timeout: 'expire', next_steps: ['ship'] },
    { id: 'ship', type: 'action', action: 'wf.step', inputs: { paid: '{{steps.wait-paid.data.amount}}' } },
    { id: 'expire', type: 'action', action: 'wf.step' },
  ],
}

describe('durable waits, event waits, compensation and checkpoints', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let database: string
  let log: string
  const runtimes: Runtime[] = []

  async function runtimeWith(config = {}): Promise<Runtime> {
    const runtime = await testRuntime(nats.url, database, config)
    registerRecorders(runtime, log)
    runtimes.push(runtime)
    await runtime.start()
    return runtime
  }

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    database = join(tmp.dir, 'sp.db')
    log = join(tmp.dir, 'runs.log')
    const first = await testRuntime(nats.url, database)
    await first.stop()
    await storeDefinition(database, waitThenStep)
    await storeDefinition(database, awaitPayment)
    await storeDefinition(database, chain('saga', 3, 'wf.step', { compensate: 'wf.undo', failAt: 3, compensateWorkflow: true }))
  })

  afterAll(async () => {
    for (const r of runtimes) await r.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('a 3 s wait survives a runtime restart in the middle and fires on time', async () => {
    const a = await runtimeWith()
    const started = await a.workflows.start('wait-then-step', {})
    const t0 = Date.parse(started.created_at)
    expect(started.status).toBe('waiting')
    expect(started.waiting_for).toMatchObject({ kind: 'timer', step_id: 'pause' })
    await waitFor(() => Date.now() - t0 > 1000, 'a second into the wait')
    await a.stop()
    const b = await runtimeWith()
    const done = await waitFor(async () => {
      const e = await b.workflows.getExecution(started.id)
      return e.status === 'completed' ? e : null
    }, 'the wait to fire after the restart')
    const ran = done.steps.find((s) => s.step_id === 'after')!
    const late = Date.parse(ran.started_at!) - (t0 + 3000)
    expect(late).toBeGreaterThanOrEqual(-5)
    expect(late).toBeLessThan(1000)
  })

  it('wait_for_event resumes on a matching event published by an outside NATS client', async () => {
    const runtime = runtimes.at(-1)!
    const started = await runtime.workflows.start('await-payment', { order_id: 7 })
    await waitFor(async () => (await runtime.workflows.getExecution(started.id)).waiting_for?.kind === 'event', 'the execution to wait')
    const nc = await connect({ servers: nats.url })
    nc.publish('sp.events.payment.received', JSON.stringify({ data: { order_id: 8, amount: 1 } }))
    nc.publish('sp.events.payment.received', JSON.stringify({ data: { order_id: 7, amount: 30 } }))
    await nc.flush()
    await nc.close()
    const done = await waitFor(async () => {
      const e = await runtime.workflows.getExecution(started.id)
      return e.status === 'completed' ? e : null
    }, 'the execution to resume on its event')
    expect(done.steps.map((s) => s.step_id)).toEqual(['ship'])
    expect(logLines(log)).toContain(`step ${started.id}:ship`)
  })

  it('wait_for_event takes its on_timeout path when no event comes', async () => {
    const runtime = runtimes.at(-1)!
    const started = await runtime.workflows.start('await-payment', { order_id: 99 })
    const done = await waitFor(async () => {
      const e = await runtime.workflows.getExecution(started.id)
      return e.status === 'completed' ? e : null
    }, 'the timeout path')
    expect(done.steps.map((s) => s.step_id)).toEqual(['expire'])
  })

  it('a failing third step compensates steps 2 then 1', async () => {
    const runtime = runtimes.at(-1)!
    const started = await runtime.workflows.start('saga', {})
    const done = await waitFor(async () => {
      const e = await runtime.workflows.getExecution(started.id)
      return e.status === 'compensated' ? e : null
    }, 'the saga to compensate')
    expect(done.error).toMatch(/s3/)
    const undos = logLines(log).filter((l) => l.startsWith(`undo ${started.id}:`))
    expect(undos).toEqual([`undo ${started.id}:s2:compensate`, `undo ${started.id}:s1:compensate`])
  })

  it('cancel stops a waiting execution and removes its timer; cancelling again is a conflict', async () => {
    const runtime = runtimes.at(-1)!
    const started = await runtime.workflows.start('wait-then-step', {})
    const cancelled = await runtime.workflows.cancel(started.id)
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.waiting_for).toBeNull()
    await expect(runtime.workflows.cancel(started.id)).rejects.toThrow(/already cancelled/)
  })

  it('encrypts checkpoints when a key is set; a tampered one fails its execution with the reason', async () => {
    for (const r of runtimes.splice(0)) await r.stop()
    const key = 'correct horse battery staple'
    const runtime = await runtimeWith({ events: { executors: { workflow: { checkpointKey: key } } } })
    const started = await runtime.workflows.start('wait-then-step', {})
    const untouched = await runtime.workflows.start('wait-then-step', {})
    const store = openStore(database)
    try {
      const row = await store.db.selectFrom('workflow_executions').select('checkpoint').where('id', '=', started.id).executeTakeFirstOrThrow()
      expect(row.checkpoint!.startsWith('spc1:')).toBe(true)
      expect(row.checkpoint).not.toContain('pause')
      expect(() => openCheckpoint(row.checkpoint!, null)).toThrow(/encrypted and no key/)
      expect(() => openCheckpoint(row.checkpoint!, new CheckpointCipher('another key'))).toThrow(/authentication/)
      expect(JSON.parse(openCheckpoint(row.checkpoint!, new CheckpointCipher(key))).value).toEqual({ running: 'pause' })
      // Flip one byte of the ciphertext.
      const raw = Buffer.from(row.checkpoint!.slice(5), 'base64')
      raw[raw.length - 1]! ^= 1
      await store.db.updateTable('workflow_executions').set({ checkpoint: `spc1:${raw.toString('base64')}` }).where('id', '=', started.id).execute()
    } finally {
      await store.close()
    }
    const failed = await waitFor(async () => {
      const e = await runtime.workflows.getExecution(started.id)
      return e.status === 'failed' ? e : null
    }, 'the tampered execution to fail when its timer fires')
    expect(failed.error).toMatch(/checkpoint failed authentication/)
    expect(failed.steps).toEqual([])
    await waitFor(async () => (await runtime.workflows.getExecution(untouched.id)).status === 'completed', 'the untouched one to complete')
  })
})
