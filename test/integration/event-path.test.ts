import { connect, headers } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'
import type { Runtime } from '../../src/runtime/runtime.js'

describe('event path over NATS', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  const seen: { fn: string; type: string; key: string }[] = []

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    runtime = await testRuntime(nats.url, join(tmp.dir, 'sp.db'))
    for (const fn of ['exact', 'star', 'gt']) {
      runtime.functions.register(`t.${fn}`, (_input, ctx) => {
        seen.push({ fn, type: ctx.event.type, key: ctx.idempotencyKey })
        return { fn }
      })
    }
    await runtime.events.registerHandler({ event_type: 'user.signup', executor_type: 'function', configuration: { function: 't.exact' } })
    await runtime.events.registerListener({ event_pattern: 'user.*', executor_type: 'function', configuration: { function: 't.star' } })
    await runtime.events.registerListener({ event_pattern: 'user.>', executor_type: 'function', configuration: { function: 't.gt' } })
    await runtime.start()
  })

  afterAll(async () => {
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('runs the handler and both wildcard listeners once for an event an outside client publishes', async () => {
    const nc = await connect({ servers: nats.url })
    const h = headers()
    h.set('Nats-Msg-Id', 'outside-1')
    nc.publish('sp.events.user.signup', JSON.stringify({ data: { email: 'a@example.com' } }), { headers: h })
    nc.publish('sp.events.user.signup', JSON.stringify({ data: { email: 'a@example.com' } }), { headers: h })
    await nc.flush()
    await nc.close()
    const event = await waitFor(async () => {
      const e = await runtime.events.getEvent('outside-1').catch(() => null)
      return e?.status === 'completed' ? e : null
    }, 'event outside-1 completed')
    expect(event.executions.map((x) => x.status)).toEqual(['completed', 'completed', 'completed'])
    expect(seen.filter((s) => s.key.startsWith('outside-1:')).map((s) => s.fn).sort()).toEqual(['exact', 'gt', 'star'])
    expect((await runtime.events.listEvents({ type: 'user.signup' })).length).toBe(1)
  })
})
