import type { Condition } from '../model/condition.js'
import { findBadTemplate, templateReferences } from '../model/template.js'
import { normalizeAction, type ActionSpec, type Step, type WorkflowDefinition } from './definition.js'
import type { DefinitionIssue } from './issues.js'
import { enclosingLoops, type Layout } from './layout.js'
import type { ValidateOptions } from './validate.js'

const ROOTS = ['inputs', 'event', 'steps', 'loop']
const LOOP_FIELDS = ['item', 'index']
/** Step fields whose strings are rendered as templates. */
const RENDERED: readonly string[] = ['action', 'inputs', 'compensate', 'match', 'until', 'over']

interface Where {
  definition: WorkflowDefinition
  layout: Layout
  /** Inside a loop body, where `{{loop.*}}` means something. */
  inLoop: boolean
}

/** Templates, condition fields, function names and subflow targets name things that exist. */
export function referenceIssues(definition: WorkflowDefinition, layout: Layout, options: ValidateOptions): DefinitionIssue[] {
  const issues: DefinitionIssue[] = []
  definition.steps.forEach((step, i) => {
    const where: Where = { definition, layout, inLoop: enclosingLoops(layout, step.id).length > 0 }
    const record = step as Record<string, unknown>
    for (const key of RENDERED) if (key in record) issues.push(...templateIssues(record[key], `steps[${i}].${key}`, where))
    if (step.type === 'condition') issues.push(...conditionIssues(step.conditions, `steps[${i}].conditions`, where))
    if (step.type === 'loop' && step.while) issues.push(...conditionIssues(step.while, `steps[${i}].while`, where))
    if (step.type === 'wait_for_event') {
      for (const path of Object.keys(step.match ?? {})) {
        if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path)) issues.push({ field: `steps[${i}].match.${path}`, message: 'must be a dotted path into the event, such as "data.order_id"' })
      }
    }
    issues.push(...functionIssues(step, i, options), ...subflowIssues(step, i, options))
  })
  if (definition.outputs) issues.push(...templateIssues(definition.outputs, 'outputs', { definition, layout, inLoop: false }))
  return issues
}

function templateIssues(value: unknown, field: string, where: Where): DefinitionIssue[] {
  if (typeof value === 'string') {
    const bad = findBadTemplate(value)
    if (bad !== null) return [{ field, message: `malformed template "${bad}": write {{inputs.x}}, {{event.data.x}} or {{steps.<id>.x}}` }]
    return templateReferences(value).flatMap((ref) => {
      const message = pathIssue(ref, where, true)
      return message ? [{ field, message: `template "{{${ref}}}": ${message}` }] : []
    })
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => templateIssues(item, `${field}[${i}]`, where))
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => templateIssues(item, `${field}.${key}`, where))
  }
  return []
}

/** What is wrong with a dotted path into the execution context, or null. */
function pathIssue(path: string, where: Where, template: boolean): string | null {
  const [root = '', first] = path.split('.')
  if (root === 'steps' && first !== undefined && !where.layout.byId.has(first)) return `unknown step "${first}"`
  if (root === 'loop') {
    if (!where.inLoop) return '{{loop.*}} only means something inside a loop body'
    if (first !== undefined && !LOOP_FIELDS.includes(first)) return `a loop has only "item" and "index", not "${first}"`
  }
  const declared = where.definition.inputs
  if (root === 'inputs' && first !== undefined && declared && !(first in declared)) return `unknown input "${first}": declared inputs are ${Object.keys(declared).join(', ') || 'none'}`
  if (template && !ROOTS.includes(root)) return `unknown root "${root}": start with inputs., event., steps.<id>. or loop.`
  // A condition field reads the workflow input at its top level, beside steps, event and loop.
  if (!template && declared && !ROOTS.includes(root) && !(root in declared)) return `unknown input "${root}": declared inputs are ${Object.keys(declared).join(', ') || 'none'}`
  return null
}

function conditionIssues(conditions: readonly Condition[], field: string, where: Where): DefinitionIssue[] {
  return conditions.flatMap((condition, i) => {
    const message = pathIssue(condition.field, where, false)
    return [...(message ? [{ field: `${field}[${i}].field`, message }] : []), ...templateIssues(condition.value, `${field}[${i}].value`, where)]
  })
}

function functionIssues(step: Step, i: number, options: ValidateOptions): DefinitionIssue[] {
  if (step.type !== 'action' || !options.knownFunctions) return []
  const known = options.knownFunctions
  const check = (spec: ActionSpec | undefined, field: string): DefinitionIssue[] => {
    if (spec === undefined) return []
    const action = normalizeAction(spec)
    const name = action.config.name
    if (action.executor !== 'function' || typeof name !== 'string' || known(name)) return []
    return [{ field: typeof spec === 'string' ? field : `${field}.config.name`, message: `unknown function "${name}": register it with runtime.functions.register("${name}", fn) first` }]
  }
  return [...check(step.action, `steps[${i}].action`), ...check(step.compensate, `steps[${i}].compensate`)]
}

function subflowIssues(step: Step, i: number, options: ValidateOptions): DefinitionIssue[] {
  if (step.type !== 'subflow' || !options.knownWorkflows || options.knownWorkflows(step.workflow_id, step.version)) return []
  const version = step.version === undefined ? '' : ` at version ${step.version}`
  return [{ field: `steps[${i}].workflow_id`, message: `unknown workflow "${step.workflow_id}"${version}: create it first` }]
}
