import { z } from 'zod'
import { ValidationError } from '../errors.js'
import { renderTemplate } from '../model/template.js'
import { assertEnabled, checkTemplates, parseConfiguration } from './configuration.js'
import { createDeadline, deadlineMessage } from './deadline.js'
import type { FunctionRegistry } from './function-registry.js'
import { FinalError, type ExecutionContext, type ExecutionOutcome, type Executor } from './types.js'

export const functionConfigSchema = z.strictObject({
  function: z.string().min(1),
  /** The function's input, rendered with `{{event.data.x}}` templates; default: the event's data. */
  input: z.unknown().optional(),
})
export type FunctionConfig = z.output<typeof functionConfigSchema>

export interface FunctionExecutorOptions {
  /** `events.executors.function.enabled`; false refuses every function handler. */
  enabled?: boolean
}

/** By name as well as by class, so a FinalError from another copy of this package still counts. */
function isFinal(err: unknown): err is Error {
  return err instanceof FinalError || (err instanceof Error && err.name === 'FinalError')
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Calls a function registered in-process. With no timeout from the runtime the function runs until
 * it settles; on a timeout or abort its signal fires and the attempt fails at once (retryable), even
 * if the function ignores the signal.
 */
export function createFunctionExecutor(registry: FunctionRegistry, options: FunctionExecutorOptions = {}): Executor<FunctionConfig> {
  function validateConfig(input: unknown): FunctionConfig {
    assertEnabled('function', options.enabled ?? true)
    const config = parseConfiguration(functionConfigSchema, input)
    if (!registry.has(config.function)) {
      const known = registry.names()
      throw new ValidationError(
        'configuration.function',
        `no function named "${config.function}" is registered (known: ${known.join(', ') || 'none'}): register it with runtime.functions.register before the handler`,
      )
    }
    checkTemplates(config.input, 'configuration.input')
    return config
  }

  async function execute(config: FunctionConfig, ctx: ExecutionContext): Promise<ExecutionOutcome> {
    const fn = registry.get(config.function)
    if (!fn) return { ok: false, retryable: false, error: `no function named "${config.function}" is registered` }
    const input = config.input === undefined ? ctx.event.data : renderTemplate(config.input, { event: ctx.event })
    // A signal of the attempt's own (listeners a function leaves behind go with it), with a timer only
    // when there is a time limit.
    const deadline = createDeadline(ctx.signal, ctx.timeoutMs || undefined)
    const signal = deadline.signal
    const started = performance.now()
    let onAbort: (() => void) | undefined
    const cutShort = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason)
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    })
    cutShort.catch(() => {})
    try {
      const call = Promise.resolve().then(() =>
        fn(input, { idempotencyKey: ctx.idempotencyKey, attempt: ctx.attempt, signal, event: ctx.event, executionId: ctx.executionId }),
      )
      // A function still running after its deadline may reject later; that is no longer news.
      call.catch(() => {})
      const output = await Promise.race([call, cutShort])
      return { ok: true, output, details: { duration_ms: Math.round(performance.now() - started) } }
    } catch (err) {
      const details = { duration_ms: Math.round(performance.now() - started) }
      if (deadline.reason()) return { ok: false, retryable: true, error: `${config.function}: ${deadlineMessage(deadline, ctx.timeoutMs ?? 0)}`, details }
      if (isFinal(err)) return { ok: false, retryable: false, error: `${config.function}: ${err.message}`, details }
      return { ok: false, retryable: true, error: `${config.function}: ${errorMessage(err)}`, details }
    } finally {
      signal.removeEventListener('abort', onAbort!)
      deadline.dispose()
    }
  }

  return { type: 'function', validateConfig, execute }
}
