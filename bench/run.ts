import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, USAGE, UsageError, type BenchArgs } from './harness/args.js'
import { runOnce, type RunRecord } from './harness/environment.js'
import { formatNumber, table, writeRunFile, type WorkloadResult } from './harness/report.js'
import { command, durability, machine, packageVersions } from './harness/system.js'
import { isReady } from './harness/workload.js'
import { workloads } from './workloads/index.js'

/**
 * `npm run bench -- [W1 W1L W2 W3 W4 W5 ...] [--quick] [--runs N]`: runs the workloads of
 * shared/BENCH.md, prints a table on stdout (progress on stderr) and writes one JSON file per
 * counted run to bench/results/. Exits 1 when any run's counts are wrong, 2 on bad usage.
 */
async function main(): Promise<number> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
  let args: BenchArgs
  try {
    args = parseArgs(process.argv.slice(2), workloads.map((w) => w.id))
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`${err.message}\n${USAGE}\n`)
    return 2
  }
  const resultsDir = join(root, 'bench', 'results')
  const startedAt = new Date()
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-')
  const session = {
    started_at: startedAt.toISOString(),
    command: command(root),
    machine: machine(),
    packages: packageVersions(root),
    durability,
    quick: args.quick,
    warmups: args.warmups,
    counted_runs: args.runs,
  }
  const m = session.machine
  process.stderr.write(`sp-events bench: ${m.cores} cores, ${m.total_memory_gb} GB, Node ${m.node}, ${m.nats_server}, SQLite ${m.sqlite}${args.quick ? ', quick' : ''}\n`)

  const selected = args.ids.length ? workloads.filter((w) => args.ids.includes(w.id)) : workloads
  const results: WorkloadResult[] = []
  for (const workload of selected) {
    const result: WorkloadResult = { workload, runs: [], warmupProblems: [] }
    results.push(result)
    if (!isReady(workload)) {
      process.stderr.write(`${workload.id} ${workload.title}: ${workload.pending}\n`)
      continue
    }
    const sizes = args.quick ? workload.sizes.quick : workload.sizes.full
    for (let i = 0; i < args.warmups; i++) {
      const warm = await runOnce(workload, sizes)
      result.warmupProblems.push(...warm.problems)
      report(`${workload.id} warm-up`, warm, workload.metrics.map((x) => x.key))
    }
    for (let k = 1; k <= args.runs; k++) {
      const run = await runOnce(workload, sizes)
      result.runs.push(run)
      const path = writeRunFile(resultsDir, `${stamp}-${workload.id}-run${k}`, {
        workload: workload.id,
        title: workload.title,
        run: k,
        of: args.runs,
        sizes,
        ...run,
        ...session,
      })
      report(`${workload.id} run ${k}/${args.runs}`, run, workload.metrics.map((x) => x.key), path)
    }
  }
  process.stdout.write(`\n${table(results)}\n\n`)
  process.stdout.write(`${session.command} · ${startedAt.toISOString()} · results in bench/results/${stamp}-*.json\n`)
  const wrong = results.some((r) => r.warmupProblems.length || r.runs.some((run) => run.problems.length))
  if (wrong) process.stdout.write('counts are WRONG: see the problems above\n')
  return wrong ? 1 : 0
}

function report(what: string, { values, problems, runtime_log }: RunRecord, keys: string[], path?: string): void {
  const figures = keys.map((k) => `${k}=${formatNumber(values[k] ?? Number.NaN)}`).join(' ')
  const pct = (key: string) => `${formatNumber(values[key] ?? Number.NaN)}%`
  const cpu = `CPU: node ${pct('node_cpu_pct')}, nats ${pct('nats_cpu_pct')}, others ${pct('others_cpu_pct')}`
  process.stderr.write(`${what}: ${figures} (${cpu})${path ? ` → ${path}` : ''}\n`)
  for (const p of problems) process.stderr.write(`  count problem: ${p}\n`)
  for (const line of runtime_log) process.stderr.write(`  runtime logged ${line}\n`)
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  },
)
