import { ConflictError, SpError, ValidationError } from '../errors.js'
import type { Db } from '../store/database.js'
import { nowIso, parseJson } from '../store/json.js'
import type { WorkflowDefinitionsTable } from '../store/schema.js'
import type { WorkflowDefinition } from '../workflow/definition.js'
import { toMermaid, toXStateJSON } from '../workflow/export.js'
import { fromXStateJSON } from '../workflow/import.js'
import { parseWorkflowDefinition, validateWorkflow, type ValidateOptions } from '../workflow/validate.js'
import { audit } from './audit.js'
import type { WorkflowDefinitionRecord, WorkflowsApi } from './workflows-types.js'

export interface WorkflowDefinitionsDeps {
  db: Db
  actor: string
  /**
   * The function names this process registers. Names in a definition are checked only when it
   * registers some: the CLI registers none, and its workflows run in the runtime that does.
   */
  knownFunctions?: () => string[]
}

export const DEFINITION_FORMATS = ['definition', 'xstate'] as const
export const EXPORT_FORMATS = ['xstate', 'mermaid'] as const
export type DefinitionFormat = (typeof DEFINITION_FORMATS)[number]
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** A listed definition: its latest version, and how many versions are stored. */
export type WorkflowSummary = WorkflowDefinitionRecord & { versions: number }

/** The definitions half of `runtime.workflows`: definitions stored by (id, version), never changed once stored. */
export class WorkflowDefinitionsApi implements Pick<WorkflowsApi, 'create' | 'list' | 'get' | 'export'> {
  constructor(private readonly deps: WorkflowDefinitionsDeps) {}

  /**
   * Validates and stores a definition (or an XState machine config designed in the visualizer).
   * Creating a stored version again is idempotent when the definition is the same, and a conflict
   * when it differs: a stored version never changes, so executions running on it never do.
   */
  async create(input: unknown, options: { format?: DefinitionFormat } = {}): Promise<WorkflowDefinitionRecord> {
    const format = options.format ?? 'definition'
    if (!(DEFINITION_FORMATS as readonly string[]).includes(format)) {
      throw new ValidationError('format', `must be one of ${DEFINITION_FORMATS.join(', ')}, got "${String(format)}"`)
    }
    const names = this.deps.knownFunctions?.() ?? []
    const checks: ValidateOptions = names.length > 0 ? { knownFunctions: (name) => names.includes(name) } : {}
    const definition = format === 'xstate' ? fromXStateJSON(input, checks) : parseWorkflowDefinition(input, checks)
    await this.checkSubflows(definition)

    const { db } = this.deps
    const text = JSON.stringify(definition)
    // The primary key decides a race between two creators: the loser compares with the winner.
    const inserted = await db
      .insertInto('workflow_definitions')
      .values({ id: definition.id, version: definition.version, name: definition.name, description: definition.description ?? null, definition: text, created_at: nowIso() })
      .onConflict((oc) => oc.columns(['id', 'version']).doNothing())
      .returningAll()
      .executeTakeFirst()
    if (inserted) {
      await audit(db, this.deps.actor, 'workflow.create', { type: 'workflow', id: definition.id }, { version: definition.version, format, steps: definition.steps.length })
      return toRecord(inserted)
    }
    const existing = await this.get(definition.id, definition.version)
    if (canonical(existing.definition) === canonical(definition)) return existing
    const latest = await this.latestVersion(definition.id)
    throw new ConflictError(
      `workflow "${definition.id}" version ${definition.version} exists with a different definition: bump "version" (the latest is ${latest}) to store a new one; executions already running keep the version they started on`,
    )
  }

  /** The latest version of each workflow, by id, with the number of stored versions. */
  async list(): Promise<WorkflowSummary[]> {
    const { db } = this.deps
    const latest = db
      .selectFrom('workflow_definitions')
      .select((eb) => ['id', eb.fn.max('version').as('latest'), eb.fn.countAll<number>().as('versions')])
      .groupBy('id')
      .as('m')
    const rows = await db
      .selectFrom('workflow_definitions as d')
      .innerJoin(latest, (join) => join.onRef('m.id', '=', 'd.id').onRef('m.latest', '=', 'd.version'))
      .selectAll('d')
      .select('m.versions')
      .orderBy('d.id')
      .execute()
    return rows.map(({ versions, ...row }) => ({ ...toRecord(row), versions: Number(versions) }))
  }

  /** One version of a definition; the latest without `version`. */
  async get(id: string, version?: number): Promise<WorkflowDefinitionRecord> {
    if (version !== undefined && !(Number.isInteger(version) && version >= 1)) throw new ValidationError('version', `must be a whole number from 1, got ${String(version)}`)
    let q = this.deps.db.selectFrom('workflow_definitions').selectAll().where('id', '=', id)
    if (version !== undefined) q = q.where('version', '=', version)
    const row = await q.orderBy('version', 'desc').limit(1).executeTakeFirst()
    if (row) return toRecord(row)
    const versions = await this.versionsOf(id)
    if (versions.length === 0) throw new SpError('not_found', `workflow "${id}" not found: create it with sp workflow:create --file <definition>`)
    throw new SpError('not_found', `workflow "${id}" has no version ${version}: its versions are ${versions.join(', ')}`)
  }

  /** `xstate`: the compiled machine config (a JSON object); `mermaid`: a `stateDiagram-v2` text. */
  async export(id: string, options: { format: ExportFormat; version?: number }): Promise<unknown> {
    if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) {
      throw new ValidationError('format', `must be one of ${EXPORT_FORMATS.join(', ')}, got "${String(options.format)}"`)
    }
    const { definition } = await this.get(id, options.version)
    return options.format === 'xstate' ? toXStateJSON(definition) : toMermaid(definition)
  }

  /** A subflow names a stored workflow (at its pinned version, when pinned), or the workflow itself. */
  private async checkSubflows(definition: WorkflowDefinition): Promise<void> {
    const targets = [...new Set(definition.steps.flatMap((s) => (s.type === 'subflow' ? [s.workflow_id] : [])))]
    if (targets.length === 0) return
    const rows = await this.deps.db.selectFrom('workflow_definitions').select(['id', 'version']).where('id', 'in', targets).execute()
    const stored = (id: string, version?: number) => rows.some((r) => r.id === id && (version === undefined || r.version === version))
    const self = (id: string, version?: number) => id === definition.id && (version === undefined || version === definition.version)
    validateWorkflow(definition, { knownWorkflows: (id, version) => self(id, version) || stored(id, version) })
  }

  private async versionsOf(id: string): Promise<number[]> {
    const rows = await this.deps.db.selectFrom('workflow_definitions').select('version').where('id', '=', id).orderBy('version').execute()
    return rows.map((r) => r.version)
  }

  private async latestVersion(id: string): Promise<number> {
    return (await this.versionsOf(id)).at(-1) ?? 0
  }
}

function toRecord(row: WorkflowDefinitionsTable): WorkflowDefinitionRecord {
  return {
    id: row.id,
    version: row.version,
    name: row.name,
    description: row.description,
    definition: parseJson<WorkflowDefinition>(row.definition, 'workflow_definitions.definition')!,
    created_at: row.created_at,
  }
}

/** JSON with object keys sorted: two definitions are the same whatever order their maps were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  )
}
