import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import type { ImportReport, ImportSink, LegacyData } from '../../legacy/index.js'
import { globalOptions, type GlobalOptions } from '../context.js'
import { createOutput, type Output } from '../output.js'

function print(out: Output, report: ImportReport & { source: string; database: string }): void {
  out.result(report, () => {
    out.line(report.dry_run ? `dry run: would import from ${report.source} into ${report.database} (nothing written)` : `imported from ${report.source} into ${report.database}`)
    for (const row of report.imported) out.line(`  ${row.kind} ${row.id}: ${row.summary}${report.dry_run ? '' : ` -> ${row.targets.join(', ')}`}`)
    out.line('')
    out.table(Object.entries(report.counts).map(([kind, c]) => ({ kind, ...c })), ['kind', 'imported', 'skipped', 'failed'])
    if (report.problems.length > 0) {
      out.line('')
      out.line(`rows not imported (${report.problems.length}):`)
      for (const p of report.problems) out.line(`  ${p.kind} ${p.id} ${p.outcome}: ${p.reason}`)
    }
  })
}

type Run = (g: GlobalOptions, data: LegacyData, options: { allowShell: boolean }) => Promise<ImportReport>

/** Creates through a runtime on --db (migrated first) and records a marker per imported row. */
const liveRun: Run = async (g, data, options) => {
  const { createRuntime } = await import('../../runtime/runtime.js')
  const { openStore } = await import('../../store/database.js')
  const { stderrLogger } = await import('../../runtime/logger.js')
  const { importLegacy, liveSink } = await import('../../legacy/index.js')
  const runtime = await createRuntime({ database: g.db, nats: { servers: g.nats }, configPath: g.config, actor: 'cli', logger: stderrLogger })
  const store = openStore(g.db)
  try {
    return await importLegacy(data, liveSink(runtime, store.db), options)
  } finally {
    await store.close()
    await runtime.stop()
  }
}

/** Checks every row as a real run would; reads the target's markers read-only, writes nothing. */
const dryRun: Run = async (g, data, options) => {
  const { loadConfig } = await import('../../config/load.js')
  const { importLegacy, drySink } = await import('../../legacy/index.js')
  const { openMarkersReadOnly } = await import('../../legacy/markers.js')
  const markers = openMarkersReadOnly(g.db)
  try {
    const sink: ImportSink = drySink(loadConfig({ path: g.config }), markers?.db ?? null)
    return { ...(await importLegacy(data, sink, options)), dry_run: true }
  } finally {
    await markers?.close()
  }
}

export function registerLegacyCommands(program: Command): void {
  program
    .command('migrate:legacy')
    .description('Import the old scheduler and workflows modules: tasks to schedules, workflows to definitions, triggers to handlers and schedules. Idempotent')
    .option('--from <sqlite file>', "the old modules' database, opened read-only (default: the --db file, after an in-place sp migrate)")
    .option('--dry-run', 'print what would be imported, and write nothing')
    .option('--allow-shell', 'import a command line that needs a shell (pipes, redirects, &&) as /bin/sh -c <line> instead of reporting it')
    .action(async (o: { from?: string; dryRun?: boolean; allowShell?: boolean }, cmd: Command) => {
      const g = globalOptions(cmd)
      const { readLegacyFile } = await import('../../legacy/index.js')
      const { ValidationError } = await import('../../errors.js')
      if (!o.from && !existsSync(g.db)) throw new ValidationError('--from', `required: ${g.db} does not exist, so give the old modules' SQLite file`)
      const source = o.from ?? g.db
      const data = readLegacyFile(source, o.from ? '--from' : '--from (default: --db)')
      const options = { allowShell: o.allowShell ?? false }
      const out = createOutput(g.json)
      const report = o.dryRun ? await dryRun(g, data, options) : await liveRun(g, data, options)
      print(out, { source, database: g.db, ...report })
    })
}
