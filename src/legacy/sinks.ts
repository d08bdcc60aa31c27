import type { Config } from '../config/schema.js'
import { parseInput } from '../errors.js'
import { createCommandExecutor } from '../executors/command.js'
import { createWorkflowExecutor } from '../executors/workflow.js'
import { registerHandlerSchema, type RegisterHandlerInput } from '../model/handler.js'
import type { Runtime } from '../runtime/runtime.js'
import { validateSchedule, type ScheduleEventInput } from '../runtime/schedules-api.js'
import type { Db } from '../store/database.js'
import type { WorkflowDefinitionInput } from '../workflow/definition.js'
import type { Operation } from './plan.js'

/**
 * Where an import goes. `check` throws what creating would throw, without creating anything; the
 * live sink creates through the runtime's own APIs and records a marker per row; the dry sink
 * only checks and remembers, so a dry run reports exactly what a real one would do.
 */
export interface ImportSink {
  imported(kind: string, legacyId: string): Promise<boolean>
  check(op: Operation): void
  workflow(definition: WorkflowDefinitionInput): Promise<string>
  handler(input: RegisterHandlerInput): Promise<string>
  schedule(input: ScheduleEventInput, paused: boolean): Promise<string>
  mark(kind: string, legacyId: string, targets: string[]): Promise<void>
}

/** Checks an operation as the runtime's APIs will: handler shape and executor configuration, schedule timing. */
export function operationChecker(config: Config): (op: Operation) => void {
  const ex = config.events.executors
  const command = createCommandExecutor(ex.command)
  const workflow = createWorkflowExecutor({ enabled: ex.workflow.enabled, start: () => Promise.reject(new Error('not started by a check')) })
  return (op) => {
    if (op.op === 'schedule') validateSchedule(op.input, config.events.scheduling.timezone)
    if (op.op !== 'handler' && op.op !== 'start-handler') return
    const h = parseInput(registerHandlerSchema, op.input)
    if (h.executor_type === 'command') command.validateConfig(h.configuration)
    if (h.executor_type === 'workflow') workflow.validateConfig(h.configuration)
  }
}

async function hasMarker(db: Db, kind: string, legacyId: string): Promise<boolean> {
  const row = await db.selectFrom('legacy_imports').select('kind').where('kind', '=', kind).where('legacy_id', '=', legacyId).executeTakeFirst()
  return row !== undefined
}

/** Creates through `runtime` (not started) and records markers in `db`, the same database file. */
export function liveSink(runtime: Runtime, db: Db): ImportSink {
  return {
    imported: (kind, legacyId) => hasMarker(db, kind, legacyId),
    check: operationChecker(runtime.config),
    async workflow(definition) {
      const record = await runtime.workflows.create(definition)
      return `${record.id}@${record.version}`
    },
    async handler(input) {
      return (await runtime.events.registerHandler(input)).id
    },
    async schedule(input, paused) {
      const record = await runtime.schedules.scheduleEvent(input)
      if (paused) await runtime.schedules.pause(record.id)
      return record.id
    },
    async mark(kind, legacyId, targets) {
      await db
        .insertInto('legacy_imports')
        .values({ kind, legacy_id: legacyId, target_id: targets.join(','), imported_at: new Date().toISOString() })
        .onConflict((oc) => oc.columns(['kind', 'legacy_id']).doNothing())
        .execute()
    },
  }
}

/** Checks only; `db` (opened read-only, when the target exists and has markers) says what an earlier run imported. */
export function drySink(config: Config, db: Db | null): ImportSink {
  const marked = new Set<string>()
  let next = 0
  const planned = (what: string) => `(new ${what} ${++next})`
  return {
    async imported(kind, legacyId) {
      return marked.has(`${kind}\0${legacyId}`) || (db !== null && (await hasMarker(db, kind, legacyId)))
    },
    check: operationChecker(config),
    workflow: async (d) => `${d.id}@${d.version}`,
    handler: async () => planned('handler'),
    schedule: async () => planned('schedule'),
    async mark(kind, legacyId) {
      marked.add(`${kind}\0${legacyId}`)
    },
  }
}
