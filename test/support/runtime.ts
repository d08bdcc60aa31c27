import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConfigInput } from '../../src/config/schema.js'
import { silentLogger } from '../../src/runtime/logger.js'
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/runtime.js'

/** A temporary folder holding a test's SQLite file; removed by `dispose`. */
export function tempDir(prefix = 'sp-test-'): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) }
}

export async function testRuntime(natsUrl: string, database: string, config: ConfigInput = {}, extra: Partial<RuntimeOptions> = {}): Promise<Runtime> {
  return createRuntime({
    database,
    nats: { servers: natsUrl },
    config,
    logger: process.env.SP_TEST_LOG ? undefined : silentLogger,
    drainTimeoutMs: 5000,
    ...extra,
  })
}
