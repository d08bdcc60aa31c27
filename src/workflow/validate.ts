import { workflowDefinitionSchema, type WorkflowDefinition } from './definition.js'
import { definitionError, zodIssues, type DefinitionIssue } from './issues.js'
import { edgesOf, layoutOf, type Layout, type Scope } from './layout.js'
import { referenceIssues } from './validate-references.js'

export interface ValidateOptions {
  /** Whether a function name is registered; the check is skipped when absent. */
  knownFunctions?: (name: string) => boolean
  /** Whether a workflow (at a version, when pinned) exists, for subflow steps; skipped when absent. */
  knownWorkflows?: (id: string, version?: number) => boolean
}

/**
 * Parses and checks a definition: its shape, then what a schema cannot see (unknown or duplicate
 * step ids, steps in two lists, cycles, unreachable steps, bad templates, unknown functions).
 * Throws one ValidationError naming every field at fault, such as `steps[2].next_steps[0]`.
 */
export function parseWorkflowDefinition(input: unknown, options: ValidateOptions = {}): WorkflowDefinition {
  const parsed = workflowDefinitionSchema.safeParse(input)
  if (!parsed.success) throw definitionError(zodIssues(parsed.error), parsed.error)
  validateWorkflow(parsed.data, options)
  return parsed.data
}

/** Throws a ValidationError when `checkWorkflow` finds anything. */
export function validateWorkflow(definition: WorkflowDefinition, options: ValidateOptions = {}): void {
  const issues = checkWorkflow(definition, options)
  if (issues.length > 0) throw definitionError(issues)
}

/** The semantic problems of a definition that already matches the schema; empty when it is sound. */
export function checkWorkflow(definition: WorkflowDefinition, options: ValidateOptions = {}): DefinitionIssue[] {
  const layout = layoutOf(definition)
  const issues = [...idIssues(definition), ...listIssues(definition, layout), ...edgeIssues(definition, layout)]
  // Cycles and reachability are only meaningful once every reference resolves within its scope.
  if (issues.length === 0) issues.push(...cycleIssues(layout), ...reachIssues(layout))
  issues.push(...referenceIssues(definition, layout, options))
  return issues
}

const at = (layout: Layout, id: string): string => `steps[${layout.indexOf.get(id) ?? '?'}]`

function idIssues(definition: WorkflowDefinition): DefinitionIssue[] {
  const first = new Map<string, number>()
  const issues: DefinitionIssue[] = []
  definition.steps.forEach((step, i) => {
    const earlier = first.get(step.id)
    if (earlier !== undefined) issues.push({ field: `steps[${i}].id`, message: `duplicate step id "${step.id}" (also steps[${earlier}])` })
    else first.set(step.id, i)
  })
  return issues
}

function scopeName(layout: Layout, scope: Scope): string {
  if (!scope.owner) return 'the top level'
  const where = at(layout, scope.owner)
  return scope.kind === 'body' ? `the body of loop "${scope.owner}" (${where}.steps)` : `${where}.branches[${scope.branch}] of parallel "${scope.owner}"`
}

/** Branch and body lists: known ids, each step in one list only, and steps[0] left at the top. */
function listIssues(definition: WorkflowDefinition, layout: Layout): DefinitionIssue[] {
  const issues: DefinitionIssue[] = []
  const claimed = new Map<string, string>()
  definition.steps.forEach((step, i) => {
    const lists = step.type === 'parallel' ? step.branches.map((ids, b) => ({ ids, field: `steps[${i}].branches[${b}]` })) : step.type === 'loop' ? [{ ids: step.steps, field: `steps[${i}].steps` }] : []
    for (const { ids, field } of lists) {
      ids.forEach((id, j) => {
        const here = `${field}[${j}]`
        const other = claimed.get(id)
        if (!layout.byId.has(id)) issues.push({ field: here, message: `unknown step "${id}"` })
        else if (id === step.id) issues.push({ field: here, message: `step "${id}" cannot contain itself` })
        else if (other) issues.push({ field: here, message: `step "${id}" is already listed in ${other}: a step runs in one list only` })
        else claimed.set(id, field)
      })
    }
  })
  const first = definition.steps[0]
  if (first && claimed.has(first.id)) {
    issues.push({ field: 'steps[0]', message: `the workflow starts at steps[0], so "${first.id}" cannot also be listed in ${claimed.get(first.id)}` })
  }
  for (const id of claimed.keys()) {
    if (layout.byId.has(id) && !reachesTop(layout, id)) {
      issues.push({ field: at(layout, id), message: `step "${id}" is nested inside itself through parallel branches or loop bodies` })
    }
  }
  return issues
}

function reachesTop(layout: Layout, id: string): boolean {
  let scope = layout.scopeOf.get(id)
  for (let depth = 0; depth <= layout.byId.size; depth++) {
    if (!scope) return false
    if (!scope.owner) return true
    scope = layout.scopeOf.get(scope.owner)
  }
  return false
}

/** next_steps, on_true, on_false and on_timeout name known steps of the same list. */
function edgeIssues(definition: WorkflowDefinition, layout: Layout): DefinitionIssue[] {
  const issues: DefinitionIssue[] = []
  definition.steps.forEach((step, i) => {
    const scope = layout.scopeOf.get(step.id)
    if (!scope || layout.byId.get(step.id) !== step) return
    for (const edge of edgesOf(step, scope)) {
      if (edge.target === null) continue
      const field = `steps[${i}].${edge.field}`
      const targetScope = layout.scopeOf.get(edge.target)
      if (!layout.byId.has(edge.target)) issues.push({ field, message: `unknown step "${edge.target}"` })
      else if (edge.target === step.id) issues.push({ field, message: `step "${step.id}" cannot follow itself: repeat steps with a loop step` })
      else if (targetScope !== scope) {
        issues.push({
          field,
          message: `step "${edge.target}" runs in ${targetScope ? scopeName(layout, targetScope) : 'no list'}, but "${step.id}" runs in ${scopeName(layout, scope)}: a step continues only within its own list`,
        })
      }
    }
  })
  return issues
}

/** A path that comes back to a step is refused: repetition is what loop steps are for. */
function cycleIssues(layout: Layout): DefinitionIssue[] {
  const state = new Map<string, 'open' | 'done'>()
  const issues: DefinitionIssue[] = []
  const visit = (id: string, path: string[]): void => {
    state.set(id, 'open')
    const step = layout.byId.get(id)!
    for (const edge of edgesOf(step, layout.scopeOf.get(id)!)) {
      if (edge.target === null || issues.length > 0) continue
      if (state.get(edge.target) === 'open') {
        const cycle = [...path.slice(path.indexOf(edge.target)), id, edge.target]
        issues.push({ field: `${at(layout, id)}.${edge.field}`, message: `cycle ${cycle.join(' → ')}: repeat steps with a loop step instead` })
      } else if (!state.has(edge.target)) visit(edge.target, [...path, id])
    }
    state.set(id, 'done')
  }
  for (const id of layout.byId.keys()) if (!state.has(id)) visit(id, [])
  return issues
}

/** A step no path reaches is almost always a forgotten next_steps entry. */
function reachIssues(layout: Layout): DefinitionIssue[] {
  const reached = new Set<string>()
  const scopes = [layout.top, ...[...layout.inner.values()].flat()]
  for (const scope of scopes) {
    const queue = scope.ids.slice(0, 1)
    while (queue.length > 0) {
      const id = queue.shift()!
      if (reached.has(id)) continue
      reached.add(id)
      for (const edge of edgesOf(layout.byId.get(id)!, scope)) if (edge.target) queue.push(edge.target)
    }
  }
  return [...layout.byId.keys()]
    .filter((id) => !reached.has(id))
    .map((id) => ({
      field: at(layout, id),
      message: `step "${id}" is never reached: name it in a next_steps (or on_true, on_false, on_timeout), or list it in a parallel branch or loop body`,
    }))
}
