import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ImportReport } from '../../src/legacy/index.js'
import { makeLegacyDb } from '../fixtures/legacy/make-legacy-db.js'
import { runSp } from '../support/cli.js'
import { tempDir } from '../support/runtime.js'

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const tables = (path: string) => {
  const db = new SQLite(path, { readonly: true })
  try {
    return (db.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[]).map((r) => r.name)
  } finally {
    db.close()
  }
}

describe('sp migrate:legacy', () => {
  let tmp: ReturnType<typeof tempDir>
  let source: string
  let target: string
  beforeEach(() => {
    tmp = tempDir('sp-legacy-cli-')
    source = join(tmp.dir, 'old.db')
    target = join(tmp.dir, 'sp.db')
    makeLegacyDb(source)
  })
  afterEach(() => tmp.dispose())

  it('--dry-run prints what it would import and writes nothing; the real run then imports it', async () => {
    const before = sha256(source)
    const dry = await runSp(['migrate:legacy', '--from', source, '--db', target, '--dry-run', '--json'])
    expect(dry.code).toBe(0)
    const planned = JSON.parse(dry.stdout) as ImportReport
    expect(planned.dry_run).toBe(true)
    expect(planned.counts.task).toEqual({ imported: 9, skipped: 1, failed: 2 })
    expect(existsSync(target)).toBe(false)

    const real = await runSp(['migrate:legacy', '--from', source, '--db', target, '--json'])
    expect(real.code).toBe(0)
    const done = JSON.parse(real.stdout) as ImportReport
    expect(done.counts).toEqual(planned.counts)
    expect(done.problems.map((p) => p.id)).toEqual(planned.problems.map((p) => p.id))
    expect(sha256(source)).toBe(before)

    // A dry run after the import sees the markers: everything would be skipped, and the target is unchanged.
    const targetBefore = sha256(target)
    const again = JSON.parse((await runSp(['migrate:legacy', '--from', source, '--db', target, '--dry-run', '--json'])).stdout) as ImportReport
    expect(again.imported).toEqual([])
    expect(sha256(target)).toBe(targetBefore)
  })

  it('prints a report for people with each problem row by id, and exits 0', async () => {
    const r = await runSp(['migrate:legacy', '--from', source, '--db', target])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/KIND\s+IMPORTED\s+SKIPPED\s+FAILED/)
    expect(r.stdout).toMatch(/task\s+9\s+1\s+2/)
    expect(r.stdout).toContain('task error-grep failed: needs attention')
    expect(r.stdout).toContain('workflow broken-deps failed')
  })

  it('--allow-shell imports the pipeline as /bin/sh -c', async () => {
    const r = JSON.parse((await runSp(['migrate:legacy', '--from', source, '--db', target, '--allow-shell', '--json'])).stdout) as ImportReport
    expect(r.imported.find((i) => i.id === 'error-grep')?.summary).toContain('["/bin/sh","-c","grep -i error')
  })

  it('exits 2 for a --from that is missing, not SQLite, or not the old database', async () => {
    const notSqlite = join(tmp.dir, 'notes.txt')
    copyFileSync(import.meta.filename, notSqlite)
    for (const from of [join(tmp.dir, 'missing.db'), notSqlite]) {
      const r = await runSp(['migrate:legacy', '--from', from, '--db', target])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/--from/)
    }
    await runSp(['migrate', '--db', target])
    const r = await runSp(['migrate:legacy', '--from', target, '--db', join(tmp.dir, 'other.db')])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/none of the old tables/)
  })

  it('in place: sp migrate keeps the old tables, sets the old workflow_executions aside, then migrate:legacy imports from the same file', async () => {
    const copy = join(tmp.dir, 'upgrade.db')
    copyFileSync(source, copy)
    const migrated = await runSp(['migrate', '--db', copy])
    expect(migrated.code).toBe(0)
    expect(migrated.stdout).toContain('workflow_executions renamed to legacy_workflow_executions')
    const names = tables(copy)
    for (const old of ['scheduled_tasks', 'task_executions', 'workflows', 'workflow_schedules', 'execution_checkpoints', 'legacy_workflow_executions']) expect(names).toContain(old)
    for (const ours of ['events', 'event_schedules', 'workflow_definitions', 'workflow_executions', 'legacy_imports']) expect(names).toContain(ours)
    const db = new SQLite(copy, { readonly: true })
    try {
      expect(db.prepare('select id, current_step from legacy_workflow_executions order by id').all()).toEqual([{ id: 'we-1', current_step: 'check-amount' }, { id: 'we-2', current_step: null }])
      expect((db.prepare(`select name from pragma_table_info('workflow_executions')`).all() as { name: string }[]).map((c) => c.name)).toContain('checkpoint')
    } finally {
      db.close()
    }
    expect((await runSp(['migrate', '--db', copy])).stdout).toContain('is up to date')

    const imported = await runSp(['migrate:legacy', '--db', copy, '--json'])
    expect(imported.code).toBe(0)
    expect((JSON.parse(imported.stdout) as ImportReport).counts.workflow.imported).toBe(3)
    const second = JSON.parse((await runSp(['migrate:legacy', '--db', copy, '--json'])).stdout) as ImportReport
    expect(second.imported).toEqual([])
  })
})
