import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Dispatcher } from '../../actors/dispatcher.js'
import { SlotReservations } from '../../actors/routing.js'
import { createFunctionExecutor } from '../../src/executors/function.js'
import { FunctionRegistry } from '../../src/executors/function-registry.js'
import type { Executor } from '../../src/executors/types.js'
import type { ExecutorType } from '../../src/model/handler.js'
import { silentLogger } from '../../src/runtime/logger.js'
import { migrateToLatest, openStore, type OpenedStore } from '../../src/store/database.js'
import { tempDir } from '../support/runtime.js'

describe('slots reserved for executions stored running (claims)', () => {
  let tmp: ReturnType<typeof tempDir>
  let store: OpenedStore
  let dispatcher: Dispatcher

  beforeEach(async () => {
    tmp = tempDir()
    store = openStore(join(tmp.dir, 'sp.db'))
    await migrateToLatest(store.db)
    dispatcher = new Dispatcher({
      db: store.db,
      hot: store.hot,
      runtimeId: 'rt-test',
      log: silentLogger,
      executors: new Map<ExecutorType, Executor>([['function', createFunctionExecutor(new FunctionRegistry()) as Executor]]),
      poolLimits: { function: 2, command: 1, webhook: 1, workflow: 1 },
      maxConcurrent: 2,
      highWater: 100,
      onRetryScheduled: () => {},
      onRoom: () => {},
    })
  })

  afterEach(async () => {
    await dispatcher.drain(1000)
    await store.close()
    tmp.dispose()
  })

  it('are limited by the pool, and every slot no stored execution took comes back', () => {
    const first = new SlotReservations(dispatcher)
    expect([first.claim('function'), first.claim('function'), first.claim('function')]).toEqual([true, true, false])
    expect(dispatcher.active).toBe(2)
    // The transaction stored none of them (a repeat, or it rolled back): both slots come back.
    first.run([])
    expect(dispatcher.active).toBe(0)

    const second = new SlotReservations(dispatcher)
    // One slot in the command pool, two in all.
    expect([second.claim('command'), second.claim('command'), second.claim('function'), second.claim('function')]).toEqual([true, false, true, false])
    expect(dispatcher.active).toBe(2)
    second.release()
    expect(dispatcher.active).toBe(0)
    second.release()
    expect(dispatcher.active).toBe(0)
  })

  it('are refused once the dispatcher drains for a stop', async () => {
    await dispatcher.drain(1000)
    expect(new SlotReservations(dispatcher).claim('function')).toBe(false)
    expect(dispatcher.active).toBe(0)
  })
})
