import { compileWorkflow, type WorkflowMachine } from '../machines/workflow.js'
import { workflowStepper, type WorkflowStepper } from '../machines/workflow-stepper.js'
import { NotFoundError } from '../src/errors.js'
import type { Db } from '../src/store/database.js'
import type { WorkflowDefinition } from '../src/workflow/definition.js'
import { parseWorkflowDefinition } from '../src/workflow/validate.js'

export interface CompiledWorkflow {
  definition: WorkflowDefinition
  machine: WorkflowMachine
  /** Its transitions (XState's, one actor scope per machine). */
  stepper: WorkflowStepper
}

/**
 * Compiled machines by (id, version), read from `workflow_definitions`. A stored version never
 * changes, so an entry never goes stale; compiling costs far more than a lookup.
 */
export class WorkflowMachines {
  private readonly cache = new Map<string, CompiledWorkflow>()

  /** The definition at `version`, else the latest; throws NotFoundError. */
  async load(db: Db, id: string, version?: number | null): Promise<CompiledWorkflow & { version: number }> {
    if (version != null) {
      const hit = this.cache.get(`${id}@${version}`)
      if (hit) return { ...hit, version }
    }
    let q = db.selectFrom('workflow_definitions').select(['version', 'definition']).where('id', '=', id)
    q = version != null ? q.where('version', '=', version) : q.orderBy('version', 'desc').limit(1)
    const row = await q.executeTakeFirst()
    if (!row) throw new NotFoundError('workflow', version != null ? `${id} version ${version}` : id)
    const key = `${id}@${row.version}`
    let compiled = this.cache.get(key)
    if (!compiled) {
      const definition = parseWorkflowDefinition(JSON.parse(row.definition))
      const machine = compileWorkflow(definition)
      compiled = { definition, machine, stepper: workflowStepper(machine) }
      this.cache.set(key, compiled)
    }
    return { ...compiled, version: row.version }
  }
}
