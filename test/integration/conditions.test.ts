import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Condition } from '../../src/model/condition.js'
import type { Runtime } from '../../src/runtime/runtime.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir, testRuntime } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

/** One handler per operator, named after it; each event below lists the handlers it must reach. */
const HANDLERS: Record<string, Condition> = {
  eq: { field: 'data.x', operator: 'eq', value: 5 },
  neq: { field: 'data.x', operator: 'neq', value: 5 },
  gt: { field: 'data.x', operator: 'gt', value: 5 },
  gte: { field: 'data.x', operator: 'gte', value: 5 },
  lt: { field: 'data.x', operator: 'lt', value: 5 },
  lte: { field: 'data.x', operator: 'lte', value: 5 },
  in: { field: 'data.x', operator: 'in', value: [1, 5] },
  nin: { field: 'data.x', operator: 'nin', value: [1, 5] },
  exists: { field: 'data.flag', operator: 'exists' },
  regex: { field: 'data.s', operator: 'regex', value: '^ab' },
  nested: { field: 'data.user.tier', operator: 'eq', value: 'gold' },
}

const EVENTS: { name: string; data: Record<string, unknown>; reaches: string[] }[] = [
  { name: 'five', data: { x: 5, s: 'abc', flag: false, user: { tier: 'gold' } }, reaches: ['eq', 'gte', 'lte', 'in', 'exists', 'regex', 'nested', 'big-ab', 'also-big-ab'] },
  { name: 'seven', data: { x: 7, s: 'xab' }, reaches: ['neq', 'gt', 'gte', 'nin'] },
  { name: 'one', data: { x: 1, user: { tier: 'silver' } }, reaches: ['neq', 'lt', 'lte', 'in', 'small'] },
  // A missing field equals nothing and orders with nothing: only the negative operators hold.
  { name: 'empty', data: {}, reaches: ['neq', 'nin'] },
]

describe('handler conditions and listener filter conditions', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  const names = new Map<string, string>()

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    runtime = await testRuntime(nats.url, join(tmp.dir, 'sp.db'))
    runtime.functions.register('t.noop', () => undefined)
    const configuration = { function: 't.noop' }
    for (const [name, condition] of Object.entries(HANDLERS)) {
      const h = await runtime.events.registerHandler({ name, event_type: 'cond.check', executor_type: 'function', configuration, conditions: [condition] })
      names.set(h.id, name)
    }
    // Listeners: every filter condition must hold.
    const bigAb = [
      { field: 'data.x', operator: 'gte', value: 5 },
      { field: 'data.s', operator: 'regex', value: '^ab' },
    ] as const
    const listeners = [
      await runtime.events.registerListener({ name: 'big-ab', event_pattern: 'cond.>', executor_type: 'function', configuration, filter_conditions: [...bigAb] }),
      await runtime.events.registerListener({ name: 'also-big-ab', event_pattern: 'cond.*', executor_type: 'function', configuration, conditions: [...bigAb] }),
      await runtime.events.registerListener({
        name: 'small',
        event_pattern: 'cond.*',
        executor_type: 'function',
        configuration,
        filter_conditions: [{ field: 'data.x', operator: 'lt', value: 5 }, { field: 'data.user', operator: 'exists' }],
      }),
    ]
    for (const l of listeners) names.set(l.id, l.name!)
    await runtime.start()
  })

  afterAll(async () => {
    await runtime?.stop()
    await nats?.dispose()
    tmp?.dispose()
  })

  it('creates an execution only for the handlers and listeners whose conditions hold', async () => {
    const created = await Promise.all(EVENTS.map((e) => runtime.events.createEvent({ type: 'cond.check', name: e.name, data: e.data })))
    for (const [i, event] of created.entries()) {
      const done = await waitFor(async () => {
        const e = await runtime.events.getEvent(event.id)
        return e.status === 'completed' ? e : null
      }, `event ${EVENTS[i]!.name} completed`)
      const reached = done.executions.map((x) => names.get(x.handler_id ?? x.listener_id ?? '') ?? '?')
      expect(reached.sort(), EVENTS[i]!.name).toEqual([...EVENTS[i]!.reaches].sort())
      expect(done.executions.every((x) => x.status === 'completed')).toBe(true)
    }
  })

  it('completes at once an event that no condition lets through', async () => {
    const event = await runtime.events.createEvent({ type: 'cond.other', data: { x: 9 } })
    const done = await waitFor(async () => {
      const e = await runtime.events.getEvent(event.id)
      return e.status === 'completed' ? e : null
    }, 'the unmatched event completed')
    expect(done.executions).toEqual([])
  })

  it('refuses a malformed condition at registration, naming the field', async () => {
    const register = (conditions: unknown) =>
      runtime.events.registerHandler({ event_type: 'cond.check', executor_type: 'function', configuration: { function: 't.noop' }, conditions: conditions as Condition[] })
    await expect(register([{ field: 'data.x', operator: 'like', value: 1 }])).rejects.toThrow(/conditions\.0\.operator/)
    await expect(register([{ field: 'data.x', operator: 'regex', value: '(' }])).rejects.toThrow(/conditions\.0\.value/)
    await expect(register([{ field: 'data.x', operator: 'in', value: 5 }])).rejects.toThrow(/conditions\.0\.value/)
    expect(await runtime.events.listHandlers({ event_type: 'cond.check' })).toHaveLength(Object.keys(HANDLERS).length)
  })
})
