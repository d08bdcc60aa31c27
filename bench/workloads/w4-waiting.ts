import SQLite from 'better-sqlite3'
import type { ReadyWorkload } from '../harness/workload.js'
import { processCpuSeconds } from '../harness/probe.js'
import { Service } from '../harness/service.js'
import { sleep } from '../harness/timing.js'

interface Sizes {
  executions: number
  /** Concurrent starters, then concurrent release publishers. */
  concurrency: number
}

const RELEASE = 'bench.release'

/** Parks on its own event (`data.seq` = its input), then one no-op step. */
const definition = {
  id: 'bench-w4',
  name: 'bench-w4',
  version: 1,
  inputs: { seq: { type: 'integer', required: true } },
  steps: [
    { id: 'park', type: 'wait_for_event', event_type: RELEASE, match: { 'data.seq': '{{inputs.seq}}' }, next_steps: ['ship'] },
    { id: 'ship', type: 'action', action: 'bench.noop' },
  ],
}

/**
 * W4: executions parked in a wait_for_event step, started by a runtime in a child process (so its
 * RSS is the runtime's alone), which then releases each by its own event: RSS once all are parked,
 * and first release event → last execution completed.
 */
export const w4Waiting: ReadyWorkload<Sizes> = {
  id: 'W4',
  title: 'waiting',
  metrics: [
    { key: 'parked_rss_mb', label: 'runtime RSS with all executions parked (MB)', better: 'lower', target: 200 },
    { key: 'idle_rss_mb', label: 'runtime RSS, started, nothing parked (MB)', better: 'lower' },
    { key: 'park_s', label: 'time to start and park all (s)', better: 'lower' },
    { key: 'release_s', label: 'release time, first event → last completed (s)', better: 'lower' },
  ],
  sizes: { full: { executions: 10_000, concurrency: 64 }, quick: { executions: 500, concurrency: 64 } },

  async run({ runtime, database, natsUrl, probe }, { executions, concurrency }) {
    await runtime.workflows.create(definition)
    const env = { SP_DATABASE: database, SP_NATS_URL: natsUrl, SP_EXECUTIONS: String(executions), SP_CONCURRENCY: String(concurrency) }
    const service = await Service.start('waiting-service', env)
    try {
      await sleep(500)
      const idleRss = service.rssMb()
      const window = probe()
      const cpu0 = processCpuSeconds(service.child.pid!)
      const parked = JSON.parse(await service.line('parked')) as { park_ms: number; heap_used_mb: number }
      const db = new SQLite(database, { readonly: true })
      const count = (sql: string) => db.prepare(sql).pluck().get() as number
      const waits = count('select count(*) from workflow_waits')
      const waiting = count(`select count(*) from workflow_executions where status = 'waiting'`)
      db.close()
      await sleep(1000)
      const parkedRss = service.rssMb()
      service.send('release')
      const released = await Promise.race([service.line('released'), sleep(120_000).then(() => null)])
      const cpu1 = processCpuSeconds(service.child.pid!)
      const reading = window.stop()
      const problems: string[] = []
      if (waits !== executions || waiting !== executions) problems.push(`${waiting} executions waiting with ${waits} waits once parked, expected ${executions}`)
      if (released === null) problems.push('the executions were not all released within 120 s')
      await service.stop('SIGTERM')
      return {
        values: {
          parked_rss_mb: parkedRss,
          idle_rss_mb: idleRss,
          park_s: parked.park_ms / 1000,
          parked_heap_used_mb: parked.heap_used_mb,
          release_s: released === null ? Number.NaN : (JSON.parse(released) as { release_ms: number }).release_ms / 1000,
          service_cpu_pct: cpu0 === null || cpu1 === null ? Number.NaN : ((cpu1 - cpu0) * 1000 * 100) / reading.wall_ms,
        },
        // Each execution's anchor event and its release event; one step run each.
        expected: { events: executions * 2, executions, workflows: executions },
        problems,
        probe: reading,
      }
    } finally {
      await service.stop('SIGKILL')
    }
  },
}
