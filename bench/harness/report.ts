import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunRecord } from './environment.js'
import { spread } from './stats.js'
import type { Metric, Workload } from './workload.js'

/** What every run reports besides its workload's own figures: where the time went. */
const PROBE_METRICS: readonly Metric[] = [
  { key: 'node_cpu_pct', label: 'node CPU (% of one core)', better: 'lower' },
  { key: 'nats_cpu_pct', label: 'nats-server CPU (% of one core)', better: 'lower' },
  { key: 'others_cpu_pct', label: 'other processes CPU (% of one core)', better: 'lower' },
  { key: 'loop_delay_p99_ms', label: 'event-loop delay p99 (ms)', better: 'lower' },
]

export interface WorkloadResult {
  workload: Workload
  runs: RunRecord[]
  /** Count problems of warm-up runs, which are checked like counted ones. */
  warmupProblems: string[]
}

export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return '—'
  const a = Math.abs(v)
  if (a >= 1000) return Math.round(v).toLocaleString('en-US')
  if (a >= 100) return v.toFixed(0)
  if (a >= 10) return v.toFixed(1)
  return v.toFixed(2)
}

function targetCell(m: Metric, median: number): string {
  if (m.target === undefined) return ''
  const met = m.better === 'higher' ? median >= m.target : median <= m.target
  return `${m.better === 'higher' ? '≥' : '≤'} ${formatNumber(m.target)} ${Number.isNaN(median) ? '?' : met ? 'met' : 'MISSED'}`
}

function countsCell(r: WorkloadResult): string {
  const wrong = r.runs.filter((run) => run.problems.length).length
  if (wrong === 0 && r.warmupProblems.length === 0) return `ok (${r.runs.length} run${r.runs.length === 1 ? '' : 's'})`
  return `WRONG in ${wrong} of ${r.runs.length} runs${r.warmupProblems.length ? ' and the warm-up' : ''}`
}

/** The table for people: per metric the median and min–max over the counted runs, and the target. */
export function table(results: WorkloadResult[]): string {
  const rows: string[][] = [['workload', 'metric', 'median', 'min–max', 'target', 'counts']]
  for (const r of results) {
    const name = `${r.workload.id} ${r.workload.title}`
    if ('pending' in r.workload) {
      rows.push([name, r.workload.pending, '', '', '', ''])
      continue
    }
    const metrics = [...r.workload.metrics, ...PROBE_METRICS]
    metrics.forEach((m, i) => {
      const s = spread(r.runs.map((run) => run.values[m.key] ?? Number.NaN))
      rows.push([
        i === 0 ? name : '',
        m.label,
        formatNumber(s.median),
        Number.isNaN(s.median) ? '—' : `${formatNumber(s.min)}–${formatNumber(s.max)}`,
        targetCell(m, s.median),
        i === 0 ? countsCell(r) : '',
      ])
    })
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
  const line = (row: string[]) => row.map((cell, c) => (c >= 2 && c <= 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd()
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n')
}

/** Writes one run's JSON file under `dir`; returns its path. */
export function writeRunFile(dir: string, name: string, content: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${name}.json`)
  writeFileSync(path, JSON.stringify(content, null, 2) + '\n')
  return path
}
