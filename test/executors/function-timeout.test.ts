import { expect, it } from 'vitest'
import { createFunctionExecutor } from '../../src/executors/function.js'
import { FunctionRegistry } from '../../src/executors/function-registry.js'
import { waitFor } from '../support/wait.js'
import { testContext } from './helpers.js'

it('aborts the signal at ctx.timeoutMs and fails retryably, even if the function keeps going', async () => {
  const registry = new FunctionRegistry()
  let sawAbort = false
  registry.register('slow', (_input, ctx) => {
    ctx.signal.addEventListener('abort', () => (sawAbort = true))
    return new Promise(() => {}) // never settles, ignoring the signal
  })
  const executor = createFunctionExecutor(registry)

  const started = Date.now()
  const outcome = await executor.execute(executor.validateConfig({ function: 'slow' }), testContext({ timeoutMs: 300 }))
  const elapsed = Date.now() - started

  expect(outcome).toMatchObject({ ok: false, retryable: true, error: 'slow: timed out after 300 ms' })
  expect(elapsed).toBeGreaterThanOrEqual(250)
  expect(elapsed).toBeLessThan(3000)
  await waitFor(() => sawAbort, 'the function to see its signal abort', 1000)
})
