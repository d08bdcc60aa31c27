import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import SQLite from 'better-sqlite3'
import { processCpuSeconds } from '../harness/probe.js'
import { Service } from '../harness/service.js'
import { sleep } from '../harness/timing.js'
import type { ReadyWorkload } from '../harness/workload.js'
import { chainDefinition } from '../harness/workflows.js'

interface Sizes {
  executions: number
}

const STEPS = 5
/** Runs per idempotency key, from the service's log (one key a line). */
function runsByKey(log: string): Map<string, number> {
  const out = new Map<string, number>()
  if (!existsSync(log)) return out
  for (const key of readFileSync(log, 'utf8').split('\n')) if (key) out.set(key, (out.get(key) ?? 0) + 1)
  return out
}

function lineCount(log: string): number {
  if (!existsSync(log)) return 0
  const text = readFileSync(log)
  let n = 0
  for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) n++
  return n
}

/**
 * W5: executions of a 5-step workflow driven by a runtime in a child process, which is killed
 * (`kill -9`) once half the step runs have happened, then started again. Time from the restart
 * (spawn) to every execution completed; step runs per idempotency key from the service's log.
 * The in-process runtime is never started: it stores the executions, as the CLI does.
 */
export const w5Recovery: ReadyWorkload<Sizes> = {
  id: 'W5',
  title: 'recovery',
  metrics: [
    { key: 'recovery_s', label: 'restart → all completed (s)', better: 'lower', target: 5 },
    { key: 'ready_s', label: 'restart → runtime started (s)', better: 'lower' },
    { key: 'ran_twice', label: 'steps run twice (in flight at the kill)', better: 'lower' },
    { key: 'completed_ran_twice', label: 'completed steps run twice', better: 'lower', target: 0 },
  ],
  sizes: { full: { executions: 1000 }, quick: { executions: 100 } },

  async run({ runtime, database, natsUrl, probe }, { executions }) {
    const log = join(dirname(database), 'steps.log')
    const env = { SP_DATABASE: database, SP_NATS_URL: natsUrl, SP_RUN_LOG: log }
    await runtime.workflows.create(chainDefinition('bench-w5', STEPS, 'bench.step'))
    const ids = (await Promise.all(Array.from({ length: executions }, (_, i) => runtime.workflows.start('bench-w5', { i })))).map((e) => e.id)
    const db = new SQLite(database, { readonly: true })
    const count = (sql: string) => db.prepare(sql).pluck().get() as number
    const problems: string[] = []
    let second: Service | null = null
    try {
      const first = await Service.start('workflow-service', env)
      const midpoint = (executions * STEPS) / 2
      while (lineCount(log) < midpoint) await sleep(2)
      await first.stop('SIGKILL')

      const before = runsByKey(log)
      const completedBefore = db.prepare(`select idempotency_key from event_executions where subscription_kind = 'workflow_step' and status = 'completed'`).pluck().all() as string[]
      const runningAtKill = count(`select count(*) from event_executions where status = 'running'`)

      const window = probe()
      const t0 = performance.now()
      second = await Service.start('workflow-service', env)
      const readyS = (performance.now() - t0) / 1000
      const cpu0 = processCpuSeconds(second.child.pid!)
      const deadline = t0 + 120_000
      let done = 0
      while ((done = count(`select count(*) from workflow_executions where status = 'completed'`)) < executions && performance.now() < deadline) await sleep(5)
      const recoveryS = (performance.now() - t0) / 1000
      const cpu1 = processCpuSeconds(second.child.pid!)
      const reading = window.stop()

      const after = runsByKey(log)
      let ranTwice = 0
      for (const c of after.values()) ranTwice += c - 1
      const completedRanTwice = completedBefore.filter((key) => (after.get(key) ?? 0) > (before.get(key) ?? 0)).length
      let never = 0
      for (const id of ids) for (let s = 1; s <= STEPS; s++) if (!after.has(`${id}:s${s}`)) never++
      if (done < executions) problems.push(`${done} of ${executions} executions completed after the restart`)
      if (never) problems.push(`${never} steps never ran`)
      if (completedRanTwice) problems.push(`${completedRanTwice} steps completed before the kill ran again`)
      await second.stop('SIGTERM')
      return {
        values: {
          recovery_s: done === executions ? recoveryS : Number.NaN,
          ready_s: readyS,
          ran_twice: ranTwice,
          completed_ran_twice: completedRanTwice,
          killed_after_runs: [...before.values()].reduce((a, b) => a + b, 0),
          service_cpu_pct: cpu0 === null || cpu1 === null ? Number.NaN : ((cpu1 - cpu0) * 1000 * 100) / reading.wall_ms,
        },
        // An attempt running at the kill is recorded `interrupted`, then runs again.
        expected: { events: executions, executions: executions * STEPS, attempts: executions * STEPS + runningAtKill, workflows: executions },
        problems,
        probe: reading,
      }
    } finally {
      if (second) await second.stop('SIGKILL')
      db.close()
    }
  },
}
