/**
 * A service embedding the runtime with the recording workflow functions, for tests that kill it.
 * Run with `node --import tsx` and SP_DATABASE, SP_NATS_URL, SP_RUN_LOG, SP_STEP_DELAY_MS,
 * SP_UNDO_DELAY_MS. Prints `ready` once started and runs until killed.
 */
import { silentLogger } from '../../../src/runtime/logger.js'
import { createRuntime } from '../../../src/runtime/runtime.js'
import { registerRecorders } from './workflows.js'

async function main(): Promise<void> {
  const runtime = await createRuntime({
    database: process.env.SP_DATABASE!,
    nats: { servers: process.env.SP_NATS_URL! },
    config: { events: { executors: { function: { maxConcurrency: 10 } } } },
    logger: process.env.SP_TEST_LOG ? undefined : silentLogger,
  })
  registerRecorders(runtime, process.env.SP_RUN_LOG!, Number(process.env.SP_STEP_DELAY_MS ?? 0), Number(process.env.SP_UNDO_DELAY_MS ?? 0))
  await runtime.start()
  process.stdout.write('ready\n')
  process.on('SIGTERM', () => void runtime.stop())
  await runtime.stopped
}

main().catch((err: unknown) => {
  process.stderr.write(`workflow runtime failed: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
