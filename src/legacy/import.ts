import { convertTask } from './convert-tasks.js'
import { convertTriggers, convertWorkflowSchedule } from './convert-triggers.js'
import { convertWorkflow, subflowOrder } from './convert-workflows.js'
import { LEGACY_KINDS, type Conversion, type LegacyKind, type Operation } from './plan.js'
import type { LegacyData } from './read-legacy.js'
import type { ImportSink } from './sinks.js'

export interface ImportOptions {
  /** Import shell command lines as `/bin/sh -c <line>` instead of reporting them. */
  allowShell?: boolean
  now?: Date
}

export interface ImportCounts {
  imported: number
  skipped: number
  failed: number
}

/** A row that did not import: failed (it needs fixing) or skipped on purpose (nothing to import), with why. */
export interface ImportProblem {
  kind: LegacyKind
  id: string
  outcome: 'failed' | 'skipped'
  reason: string
}

export interface ImportReport {
  dry_run: boolean
  counts: Record<LegacyKind, ImportCounts>
  /** What each imported row became (in a dry run: what it would become). */
  imported: { kind: LegacyKind; id: string; summary: string; targets: string[] }[]
  problems: ImportProblem[]
}

/** Internal marker kind: a workflow's start handler, shared by its schedules. */
const START_HANDLER = 'start_handler'

async function perform(sink: ImportSink, op: Operation): Promise<string | null> {
  switch (op.op) {
    case 'workflow':
      return sink.workflow(op.definition)
    case 'handler':
      return sink.handler(op.input)
    case 'schedule':
      return sink.schedule(op.input, op.paused)
    case 'start-handler': {
      if (await sink.imported(START_HANDLER, op.workflowId)) return null
      const id = await sink.handler(op.input)
      await sink.mark(START_HANDLER, op.workflowId, [id])
      return id
    }
  }
}

/**
 * Imports the old rows into `sink`: workflows (the ones a subflow calls first), then their
 * triggers and schedules, then tasks. A row with a marker is skipped; a row that cannot convert
 * is reported and the rest go on. Every operation of a row is checked before any is performed.
 */
export async function importLegacy(data: LegacyData, sink: ImportSink, options: ImportOptions = {}): Promise<ImportReport> {
  const now = options.now ?? new Date()
  const report: ImportReport = {
    dry_run: false,
    counts: Object.fromEntries(LEGACY_KINDS.map((k) => [k, { imported: 0, skipped: 0, failed: 0 }])) as Record<LegacyKind, ImportCounts>,
    imported: [],
    problems: [],
  }

  const apply = async (c: Conversion): Promise<boolean> => {
    const counts = report.counts[c.kind]
    if (await sink.imported(c.kind, c.id)) {
      counts.skipped++
      return true
    }
    if (c.outcome !== 'convert') {
      counts[c.outcome === 'skip' ? 'skipped' : 'failed']++
      report.problems.push({ kind: c.kind, id: c.id, outcome: c.outcome === 'skip' ? 'skipped' : 'failed', reason: c.reason })
      return false
    }
    try {
      for (const op of c.operations) sink.check(op)
      const targets: string[] = []
      for (const op of c.operations) {
        const target = await perform(sink, op)
        if (target) targets.push(target)
      }
      await sink.mark(c.kind, c.id, targets)
      counts.imported++
      report.imported.push({ kind: c.kind, id: c.id, summary: c.summary, targets })
      return true
    } catch (err) {
      counts.failed++
      report.problems.push({ kind: c.kind, id: c.id, outcome: 'failed', reason: (err as Error).message })
      return false
    }
  }

  const available = new Set<string>()
  for (const row of subflowOrder(data.workflows)) {
    if (await apply(convertWorkflow(row))) available.add(String(row.id))
  }
  for (const row of data.workflows) {
    for (const c of convertTriggers(row, available.has(String(row.id)))) await apply(c)
  }
  const byId = new Map(data.workflows.map((w) => [String(w.id), w]))
  for (const row of data.workflowSchedules) {
    await apply(convertWorkflowSchedule(row, byId.get(String(row.workflow_id)), available.has(String(row.workflow_id)), now))
  }
  for (const task of data.tasks) await apply(convertTask(task, { allowShell: options.allowShell ?? false, now }))
  return report
}
