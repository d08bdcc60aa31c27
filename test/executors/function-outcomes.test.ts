import { describe, expect, it } from 'vitest'
import { createFunctionExecutor } from '../../src/executors/function.js'
import { FunctionRegistry, type FunctionContext } from '../../src/executors/function-registry.js'
import { FinalError } from '../../src/executors/types.js'
import { testContext } from './helpers.js'

describe('function executor: outcomes', () => {
  const registry = new FunctionRegistry()
  const calls: { input: unknown; ctx: FunctionContext }[] = []
  registry.register('echo', (input, ctx) => {
    calls.push({ input, ctx })
    return { received: input }
  })
  registry.register('reject.final', async () => {
    throw new FinalError('order 42 does not exist')
  })
  registry.register('reject.transient', async () => {
    throw new Error('database is busy')
  })
  const executor = createFunctionExecutor(registry)
  const run = (configuration: Record<string, unknown>) => executor.execute(executor.validateConfig(configuration), testContext({ attempt: 2 }))

  it("passes the event's data and the attempt's context, and returns the function's value", async () => {
    const outcome = await run({ function: 'echo' })
    expect(outcome).toMatchObject({ ok: true, output: { received: { order: { id: 42, customer: 'ada' } } } })
    const { ctx } = calls.at(-1)!
    expect(ctx).toMatchObject({ idempotencyKey: 'exe_01:key', attempt: 2, executionId: 'exe_01', event: { id: 'evt_01' } })
    expect(ctx.signal).toBeInstanceOf(AbortSignal)
  })

  it('renders configuration.input as a template instead, when given', async () => {
    const outcome = await run({ function: 'echo', input: { id: '{{event.data.order.id}}', label: 'for {{event.data.order.customer}}' } })
    expect(outcome).toMatchObject({ ok: true, output: { received: { id: 42, label: 'for ada' } } })
  })

  it('fails for good on FinalError, and retryably on any other throw', async () => {
    expect(await run({ function: 'reject.final' })).toMatchObject({ ok: false, retryable: false, error: 'reject.final: order 42 does not exist' })
    expect(await run({ function: 'reject.transient' })).toMatchObject({ ok: false, retryable: true, error: 'reject.transient: database is busy' })
  })
})
