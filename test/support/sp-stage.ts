import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Runtime } from '../../src/runtime/runtime.js'
import type { SpProcess } from './cli.js'
import { startNatsServer, type TestNatsServer } from './nats-server.js'
import { tempDir, testRuntime } from './runtime.js'

/**
 * A stage for tests that run `sp start` processes: a private nats-server, a SQLite file, a client
 * runtime (not started, as the CLI) and a command handler on `eventType` that appends the value of
 * `record` (an SP_* variable) to `ran`, one line per run. `dispose` kills what is still running.
 */
export interface SpStage {
  nats: TestNatsServer
  env: Record<string, string>
  client: Runtime
  ran: string
  running: SpProcess[]
  dispose(): Promise<void>
}

export async function spStage(eventType: string, record: 'SP_EVENT_ID' | 'SP_IDEMPOTENCY_KEY'): Promise<SpStage> {
  const nats = await startNatsServer()
  const tmp = tempDir()
  const ran = join(tmp.dir, 'ran.txt')
  writeFileSync(ran, '')
  const env = { SP_DATABASE: join(tmp.dir, 'sp.db'), SP_NATS_URL: nats.url }
  const client = await testRuntime(nats.url, env.SP_DATABASE)
  await client.events.registerHandler({
    event_type: eventType,
    executor_type: 'command',
    configuration: { command: '/bin/sh', args: ['-c', `echo "$${record}" >> '${ran}'`] },
  })
  const running: SpProcess[] = []
  return {
    nats,
    env,
    client,
    ran,
    running,
    async dispose() {
      for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
      await client.stop()
      await nats.dispose()
      tmp.dispose()
    },
  }
}
