import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startNatsServer } from '../../test/support/nats-server.js'
import type { Logger } from '../../src/runtime/logger.js'
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js'
import { natsServerPid, startProbe, type Probe } from './probe.js'
import { checkStore, readStreamStorage, type StoreCounts } from './store-check.js'
import type { ReadyWorkload, RunOutcome } from './workload.js'

/** What a workload runs against: the runtime as the README deploys it, on its own file and server. */
export interface BenchEnvironment {
  /** Created, not started: the workload registers its functions and handlers first. */
  readonly runtime: Runtime
  /** The SQLite file and the NATS URL the runtime uses (for a workload that runs one in a child process). */
  readonly database: string
  readonly natsUrl: string
  /** Starts measuring CPU (node and nats-server) and event-loop delay. */
  probe(): Probe
}

/** One run, as written to its JSON file. */
export interface RunRecord {
  values: Record<string, number>
  /** Empty when every count was right. */
  problems: string[]
  store: StoreCounts | null
  stream_storage: string | null
  /** Warnings and errors the runtime logged (first few). */
  runtime_log: string[]
}

/** Collects what the runtime logs at warn and error level; a correct run should log none. */
function collectingLogger(into: string[]): Logger {
  const keep = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    if (into.length < 20) into.push(`${level}: ${message}${fields ? ' ' + JSON.stringify(fields) : ''}`)
  }
  return { info: () => {}, warn: keep('warn'), error: keep('error') }
}

/**
 * Runs a workload once on a fresh SQLite file (WAL, the runtime's defaults) and a fresh nats-server
 * (JetStream file storage), stops the runtime, then checks the counts in the store.
 */
export async function runOnce<S extends object>(workload: ReadyWorkload<S>, sizes: S): Promise<RunRecord> {
  const nats = await startNatsServer()
  const dir = mkdtempSync(join(tmpdir(), 'sp-bench-'))
  const dbPath = join(dir, 'sp.db')
  const log: string[] = []
  const problems: string[] = []
  let outcome: RunOutcome | null = null
  let streamStorage: string | null = null
  let store: StoreCounts | null = null
  try {
    const runtime = await createRuntime({ database: dbPath, nats: { servers: nats.url }, config: {}, logger: collectingLogger(log) })
    const natsPid = natsServerPid(nats.port)
    try {
      outcome = await workload.run({ runtime, database: dbPath, natsUrl: nats.url, probe: () => startProbe(natsPid) }, sizes)
      streamStorage = await readStreamStorage(nats.url)
      if (streamStorage !== 'file') problems.push(`nats: the event stream uses ${streamStorage} storage, expected file`)
    } catch (err) {
      problems.push(`the run failed: ${(err as Error).stack ?? String(err)}`)
    } finally {
      await runtime.stop()
    }
    if (outcome) {
      problems.push(...outcome.problems)
      const checked = checkStore(dbPath, outcome.expected)
      store = checked.counts
      problems.push(...checked.problems)
    }
  } finally {
    await nats.dispose()
    rmSync(dir, { recursive: true, force: true })
  }
  const values: Record<string, number> = { ...outcome?.values }
  if (outcome) {
    const p = outcome.probe
    Object.assign(values, {
      node_cpu_pct: p.node_cpu_pct,
      nats_cpu_pct: p.nats_cpu_pct ?? Number.NaN,
      others_cpu_pct: p.others_cpu_pct ?? Number.NaN,
      loop_delay_p99_ms: p.loop_delay_p99_ms,
      loop_delay_max_ms: p.loop_delay_max_ms,
      rss_mb: p.rss_mb,
    })
  }
  return { values, problems, store, stream_storage: streamStorage, runtime_log: log }
}
