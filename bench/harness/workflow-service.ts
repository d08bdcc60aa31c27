/**
 * A service embedding the runtime (default configuration) for W5, which kills it: `bench.step`
 * appends its idempotency key to SP_RUN_LOG, so runs per key can be counted after a `kill -9`.
 * Env: SP_DATABASE, SP_NATS_URL, SP_RUN_LOG. Prints `ready` once started; runs until killed.
 */
import { appendFileSync } from 'node:fs'
import { silentLogger } from '../../src/runtime/logger.js'
import { createRuntime } from '../../src/runtime/runtime.js'

async function main(): Promise<void> {
  const log = process.env.SP_RUN_LOG!
  const runtime = await createRuntime({ database: process.env.SP_DATABASE!, nats: { servers: process.env.SP_NATS_URL! }, config: {}, logger: silentLogger })
  runtime.functions.register('bench.step', (_input, ctx) => {
    appendFileSync(log, `${ctx.idempotencyKey}\n`)
    return {}
  })
  await runtime.start()
  process.stdout.write('ready\n')
  process.on('SIGTERM', () => void runtime.stop())
  await runtime.stopped
}

main().catch((err: unknown) => {
  process.stderr.write(`workflow service failed: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
