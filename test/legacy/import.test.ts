import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { importLegacy, liveSink, readLegacyFile, type ImportReport } from '../../src/legacy/index.js'
import type { Runtime } from '../../src/runtime/runtime.js'
import { openStore, type OpenedStore } from '../../src/store/database.js'
import { EXPECTED, makeLegacyDb } from '../fixtures/legacy/make-legacy-db.js'
import { tempDir, testRuntime } from '../support/runtime.js'

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const ids = (report: ImportReport, kind: string, outcome?: string) =>
  outcome ? report.problems.filter((p) => p.kind === kind && p.outcome === outcome).map((p) => p.id) : report.imported.filter((r) => r.kind === kind).map((r) => r.id)

describe('importing the old modules through the runtime APIs', () => {
  let tmp: ReturnType<typeof tempDir>
  let runtime: Runtime
  let store: OpenedStore
  let source: string

  beforeEach(async () => {
    tmp = tempDir('sp-legacy-')
    source = join(tmp.dir, 'old.db')
    makeLegacyDb(source)
    const target = join(tmp.dir, 'sp.db')
    // Not started: importing needs the database only, as in the CLI.
    runtime = await testRuntime('nats://127.0.0.1:1', target)
    store = openStore(target)
  })

  afterEach(async () => {
    await store?.close()
    await runtime?.stop()
    tmp?.dispose()
  })

  const run = () => importLegacy(readLegacyFile(source), liveSink(runtime, store.db))

  it('imports every kind, reports each bad row by id, and leaves the source file unchanged', async () => {
    const before = sha256(source)
    const report = await run()
    expect(sha256(source)).toBe(before)

    expect(ids(report, 'task')).toEqual(EXPECTED.importedTasks)
    expect(ids(report, 'task', 'failed').sort()).toEqual([...EXPECTED.failedTasks].sort())
    expect(ids(report, 'task', 'skipped')).toEqual(EXPECTED.skippedTasks)
    expect(ids(report, 'workflow').sort()).toEqual([...EXPECTED.importedWorkflows].sort())
    expect(ids(report, 'workflow', 'failed').sort()).toEqual([...EXPECTED.failedWorkflows].sort())
    const reason = (id: string) => report.problems.find((p) => p.id === id)?.reason
    expect(reason('error-grep')).toMatch(/shell .*pipe.*--allow-shell/)
    expect(reason('bad-schedule')).toMatch(/cron_expression/)
    expect(reason('broken-deps')).toMatch(/depends on "missing-step"/)
    expect(reason('fancy-condition')).toMatch(/cannot be translated/)
    expect(reason('ws-bad-cron')).toMatch(/cron_expression/)
    expect(reason('ws-orphan')).toMatch(/not in the old database/)
    expect(reason('broken-deps#0')).toMatch(/was not imported/)
    expect(report.counts.trigger).toEqual({ imported: 3, skipped: 1, failed: 2 })
    expect(report.counts.workflow_schedule).toEqual({ imported: 3, skipped: 0, failed: 2 })

    // What they became, read back through the runtime.
    const schedules = await runtime.schedules.listSchedules()
    const byType = (type: string) => schedules.filter((s) => s.event_type === type)
    expect(byType('legacy.task.heartbeat')[0]).toMatchObject({ schedule_type: 'interval', interval_ms: 300_000, status: 'active' })
    expect(byType('legacy.task.sync-cache')[0]).toMatchObject({ interval_ms: 30_000 })
    expect(byType('legacy.task.daily-report')[0]).toMatchObject({ schedule_type: 'cron', cron_expression: '@daily', event_data: { recipients: ['ops@example.com'] } })
    expect(byType('legacy.task.launch')[0]).toMatchObject({ schedule_type: 'once', run_at: '2099-06-01T09:00:00.000Z' })
    expect(byType('legacy.task.weekly-digest')[0]).toMatchObject({ status: 'paused' })
    expect(byType('legacy.task.old-export')[0]).toMatchObject({ status: 'paused' })
    expect(byType('legacy.task.rebuild-index')).toEqual([])
    expect(byType('legacy.workflow.order-processing.start').map((s) => s.cron_expression).sort()).toEqual(['0 * * * *', '0 2 * * *'])
    expect(byType('legacy.workflow.archive-order.start').map((s) => s.status).sort()).toEqual(['active', 'paused'])

    const handlers = await runtime.events.listHandlers()
    const handler = (type: string) => handlers.filter((h) => h.event_type === type)
    expect(handler('legacy.task.rebuild-index')[0]).toMatchObject({ executor_type: 'command', configuration: { command: 'echo', args: ['rebuild'] } })
    expect(handler('legacy.task.cleanup-tmp')[0]).toMatchObject({
      configuration: { args: ['-d', '/var/lib/legacy app/*.tmp'] }, retry_policy: { strategy: 'fixed', max_attempts: 3, initial_delay_ms: 10_000 }, timeout_ms: 60_000,
    })
    expect(handler('order.created')[0]).toMatchObject({ executor_type: 'workflow', configuration: { workflow_id: 'order-processing' }, enabled: true })
    expect(handler('sync.requested')[0]).toMatchObject({ enabled: false })
    // One start handler per workflow, however many schedules fire it.
    expect(handler('legacy.workflow.order-processing.start')).toHaveLength(1)

    const order = await runtime.workflows.get('order-processing')
    expect(order.version).toBe(10200)
    expect(order.definition.steps.map((s) => s.type)).toEqual(['action', 'condition', 'action', 'parallel', 'action', 'action', 'loop', 'action', 'subflow'])
  })

  it('a second run imports nothing twice', async () => {
    const first = await run()
    const counts = async () => ({
      schedules: (await runtime.schedules.listSchedules()).length,
      handlers: (await runtime.events.listHandlers()).length,
      workflows: (await runtime.workflows.list()).length,
    })
    const after = await counts()
    const second = await run()
    expect(second.imported).toEqual([])
    for (const kind of ['task', 'workflow', 'trigger', 'workflow_schedule'] as const) {
      expect(second.counts[kind].imported).toBe(0)
      // What imported before is skipped now; what failed before fails again, with the same reasons.
      expect(second.counts[kind].skipped).toBe(first.counts[kind].imported + first.counts[kind].skipped)
      expect(second.counts[kind].failed).toBe(first.counts[kind].failed)
    }
    expect(await counts()).toEqual(after)
  })
})
