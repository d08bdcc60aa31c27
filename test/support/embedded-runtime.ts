/**
 * A service embedding the runtime, for tests that kill it. Run in a child process with
 * `node --import tsx test/support/embedded-runtime.ts` and these environment variables:
 *   SP_DATABASE, SP_NATS_URL    where the runtime keeps its events
 *   SP_RUN_LOG                  each handler run appends "<event id> <attempt>" here
 *   SP_CREATE                   how many events to create once started (default 0)
 *   SP_HANDLER_DELAY_MS         how long each run takes after its line is written (default 50)
 * Prints `ready` once started, then `created <count>` once every createEvent has resolved (the
 * events are accepted: durable from here on), and runs until it is killed.
 */
import { silentLogger } from '../../src/runtime/logger.js'
import { createRuntime } from '../../src/runtime/runtime.js'
import { CRASH_EVENT_TYPE, ensureHandler, registerRecorder } from './crash-recorder.js'

function env(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}

async function main(): Promise<void> {
  const runtime = await createRuntime({
    database: env('SP_DATABASE'),
    nats: { servers: env('SP_NATS_URL') },
    config: { events: { executors: { function: { maxConcurrency: 10 } } } },
    logger: process.env.SP_TEST_LOG ? undefined : silentLogger,
  })
  registerRecorder(runtime, env('SP_RUN_LOG'), Number(process.env.SP_HANDLER_DELAY_MS ?? 50))
  await ensureHandler(runtime)
  await runtime.start()
  process.stdout.write('ready\n')
  const count = Number(process.env.SP_CREATE ?? 0)
  await Promise.all(Array.from({ length: count }, (_, i) => runtime.events.createEvent({ type: CRASH_EVENT_TYPE, data: { i } })))
  process.stdout.write(`created ${count}\n`)
  await runtime.stopped
}

main().catch((err: unknown) => {
  process.stderr.write(`embedded runtime failed: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
