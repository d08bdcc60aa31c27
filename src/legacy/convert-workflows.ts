import { INPUT_TYPES, type WorkflowDefinitionInput } from '../workflow/definition.js'
import { parseWorkflowDefinition } from '../workflow/validate.js'
import { dependencyOrder, rewriteTemplates, StepConverter } from './convert-steps.js'
import { fail, jsonColumn, type Conversion } from './plan.js'
import type { LegacyWorkflow } from './read-legacy.js'

/**
 * `1.2.0` → 10200: major*10000 + minor*100 + patch, so versions keep their order. Minor and patch
 * must be below 100; a missing version is 1; a pre-release or build suffix is refused.
 */
export function semverToVersion(text: string | null): number | string {
  if (text === null || text.trim() === '') return 1
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text.trim())
  if (!m) return `version ${JSON.stringify(text)} is not a semantic version such as 1.2.0`
  const [major, minor, patch] = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)]
  if (minor > 99 || patch > 99) return `version ${text}: minor and patch must be below 100 to map to an integer version (major*10000 + minor*100 + patch)`
  const version = major * 10_000 + minor * 100 + patch
  return version >= 1 ? version : `version ${text} maps to 0; versions start at 1`
}

type Inputs = NonNullable<WorkflowDefinitionInput['inputs']>

function inputsOf(list: unknown): Inputs {
  if (!Array.isArray(list)) throw new Error('inputs must be a JSON list of {name, type, required, default}')
  const out: Inputs = {}
  for (const item of list as Record<string, unknown>[]) {
    const name = String(item?.name ?? '')
    const type = item.type === undefined || item.type === null ? 'any' : String(item.type)
    if (!(INPUT_TYPES as readonly string[]).includes(type)) throw new Error(`input "${name}": type ${JSON.stringify(type)} is not one of ${INPUT_TYPES.join(', ')}`)
    out[name] = {
      type: type as (typeof INPUT_TYPES)[number],
      required: item.required === true,
      ...(item.default !== undefined ? { default: item.default } : {}),
      ...(typeof item.description === 'string' ? { description: item.description } : {}),
    }
  }
  return out
}

/** Outputs as a map of templates; the old list form `[{name, value}]` becomes one. */
function outputsOf(value: unknown): Record<string, unknown> | undefined {
  if (value === null || value === undefined) return undefined
  const entries = Array.isArray(value) ? (value as Record<string, unknown>[]).map((o) => [String(o.name), o.value ?? o.source]) : Object.entries(value)
  return rewriteTemplates(Object.fromEntries(entries), new Map()) as Record<string, unknown>
}

/** The definition a workflow row converts to; throws with the reason it cannot. */
export function toDefinition(row: LegacyWorkflow): WorkflowDefinitionInput {
  const id = String(row.id)
  const version = semverToVersion(row.version)
  if (typeof version === 'string') throw new Error(version)
  if (jsonColumn<unknown>(row.error_handler, 'error_handler', null) !== null) {
    throw new Error('needs attention: error_handler (a step run on failure) has no equivalent; use compensate actions or a condition on a step output instead')
  }
  const oldSteps = jsonColumn<unknown>(row.steps, 'steps', [])
  if (!Array.isArray(oldSteps) || oldSteps.length === 0) throw new Error('steps is not a non-empty JSON list')
  const converter = new StepConverter()
  converter.chain(dependencyOrder(oldSteps as Record<string, unknown>[]), undefined, false, new Map(), false)
  // Ours decides on_error for the whole workflow: a per-step `continue` converts only when every action step says so.
  const choices = [...converter.onError.values()]
  const continues = choices.filter((c) => c === 'continue').length
  if (continues > 0 && continues < choices.length) {
    throw new Error('needs attention: on_error "continue" on some steps only; sp-events sets it for the whole workflow (error_handling.on_step_failure)')
  }
  const inputs = jsonColumn<unknown>(row.inputs, 'inputs', null)
  const outputs = outputsOf(jsonColumn<unknown>(row.outputs, 'outputs', null))
  return {
    id,
    name: row.name || id,
    version,
    ...(row.description ? { description: row.description } : {}),
    ...(inputs !== null ? { inputs: inputsOf(inputs) } : {}),
    ...(outputs ? { outputs } : {}),
    steps: converter.steps,
    error_handling: { on_step_failure: continues > 0 ? 'continue' : 'fail', on_workflow_failure: 'fail' },
  }
}

/** A workflow row becomes a definition (validated as `sp workflow:create` would), or a reason it cannot. */
export function convertWorkflow(row: LegacyWorkflow): Conversion {
  const id = String(row.id)
  let definition: WorkflowDefinitionInput
  try {
    definition = toDefinition(row)
    parseWorkflowDefinition(definition)
  } catch (err) {
    return fail('workflow', id, (err as Error).message)
  }
  return {
    kind: 'workflow',
    id,
    outcome: 'convert',
    summary: `workflow ${definition.id} version ${definition.version} (from ${row.version ?? 'no version'}), ${definition.steps.length} steps`,
    operations: [{ op: 'workflow', definition }],
  }
}

/** Subflow targets first, so creating a workflow finds the workflows it calls. */
export function subflowOrder(rows: LegacyWorkflow[]): LegacyWorkflow[] {
  const calls = (row: LegacyWorkflow): string[] => [...(row.steps ?? '').matchAll(/"subflow"\s*:\s*"([^"]+)"/g)].map((m) => m[1]!)
  const ids = new Set(rows.map((r) => String(r.id)))
  const done = new Set<string>()
  const out: LegacyWorkflow[] = []
  while (out.length < rows.length) {
    const next = rows.find((r) => !done.has(String(r.id)) && calls(r).every((c) => c === String(r.id) || done.has(c) || !ids.has(c))) ?? rows.find((r) => !done.has(String(r.id)))!
    done.add(String(next.id))
    out.push(next)
  }
  return out
}
