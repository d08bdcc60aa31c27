/**
 * A service embedding the runtime that provides the functions of the seed order-processing workflow
 * (test/fixtures/workflows/order-processing.json), for tests that drive it from the `sp` CLI. Run in a
 * child process with `node --import tsx test/support/order-service.ts` and these environment variables:
 *   SP_DATABASE, SP_NATS_URL    where the runtime keeps its events and workflows
 * Registers `order.validate` (returns the order's `quantity`), `payment.process` (fails the first
 * attempt of each execution, then charges) and `order.notify_backorder`. Prints `ready` on stderr
 * once started, and stops on SIGTERM, exiting 0.
 */
import { silentLogger } from '../../src/runtime/logger.js'
import { createRuntime } from '../../src/runtime/runtime.js'

function env(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}

async function main(): Promise<void> {
  const runtime = await createRuntime({
    database: env('SP_DATABASE'),
    nats: { servers: env('SP_NATS_URL') },
    // Short retry delays, so the payment retry does not slow the test.
    config: { events: { processing: { retryDelayMs: 50 } } },
    logger: process.env.SP_TEST_LOG ? undefined : silentLogger,
  })
  runtime.functions.register('order.validate', (input) => ({ quantity: (input as { quantity?: unknown }).quantity }))
  runtime.functions.register('payment.process', (_input, ctx) => {
    if (ctx.attempt === 1) throw new Error('card network busy')
    return { charged: true }
  })
  runtime.functions.register('order.notify_backorder', () => ({ notified: true }))
  process.once('SIGTERM', () => void runtime.stop())
  await runtime.start()
  process.stderr.write('ready\n')
  await runtime.stopped
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`order service failed: ${err instanceof Error ? err.stack : String(err)}\n`)
    process.exit(1)
  },
)
