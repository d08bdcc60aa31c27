import { FINAL_STATES, SCOPE_END, type StateJson, type TransitionJson } from '../../machines/workflow-config.js'
import { stepSchema, workflowDefinitionSchema, type WorkflowDefinition } from './definition.js'
import { definitionError, fieldPath, zodIssues } from './issues.js'
import { edgesOf, layoutOf } from './layout.js'
import { parseWorkflowDefinition, type ValidateOptions } from './validate.js'

/** Where the compiler puts states of its own, by the kind of state around them. */
type Kind = 'root' | 'scope' | 'parallel' | 'loop'
const INTERNAL: Record<Kind, (key: string) => Kind | 'leaf' | 'skip' | null> = {
  root: (key) => (key === 'running' ? 'scope' : key === 'compensating' ? 'skip' : (FINAL_STATES as readonly string[]).includes(key) ? 'leaf' : null),
  scope: (key) => (key === SCOPE_END ? 'leaf' : null),
  parallel: (key) => (/^branch-\d+$/.test(key) ? 'scope' : null),
  loop: (key) => (key === 'check' || key === SCOPE_END ? 'leaf' : key === 'body' ? 'scope' : null),
}

interface Found {
  step: Record<string, unknown>
  state: StateJson
  /** The JSON path of the state, for messages. */
  at: (string | number)[]
  /** Step ids the state's own transitions (and its non-step inner states') lead to, in order. */
  drawn: string[]
}

/**
 * Reads a definition back from an XState machine config: each step from its state's `meta.step`,
 * the rest from the root's `meta.workflow` (else the machine's `id`, `description` and version 1).
 * Where a step's meta says nothing about where it goes, the transitions drawn to sibling steps say
 * it (a condition's first one is its true branch); where it does and they disagree, it is refused.
 * A state that is neither a step, a final state, nor one the compiler makes is refused, naming it.
 */
export function fromXStateJSON(json: unknown, options: ValidateOptions = {}): WorkflowDefinition {
  if (!isRecord(json) || !isRecord(json.states)) throw definitionError([{ field: 'states', message: 'not an XState machine config: it has no states' }])
  const root = json as StateJson & { id?: unknown; description?: unknown }
  const found: Found[] = []
  collect(root, 'root', [], found)
  if (found.length === 0) throw definitionError([{ field: 'states', message: 'no state has meta.step: a workflow state names its step in meta.step ({id, type, ...})' }])

  const meta = isRecord(root.meta) && isRecord(root.meta.workflow) ? root.meta.workflow : undefined
  const order = isRecord(root.meta) && Array.isArray(root.meta.step_order) ? (root.meta.step_order as unknown[]) : []
  const rank = (f: Found): number => {
    const i = order.indexOf(f.step.id)
    return i === -1 ? order.length + found.indexOf(f) : i
  }
  const sorted = [...found].sort((a, b) => rank(a) - rank(b))
  const header = meta ?? { id: root.id, name: typeof root.description === 'string' ? root.description : root.id, version: 1 }
  const draft = workflowDefinitionSchema.safeParse({ ...header, steps: sorted.map((f) => f.step) })
  if (!draft.success) throw definitionError(zodIssues(draft.error), draft.error)
  return parseWorkflowDefinition(reconcile(draft.data, sorted), options)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function collect(state: StateJson, kind: Kind, at: (string | number)[], found: Found[]): void {
  for (const [key, child] of Object.entries(state.states ?? {})) {
    const here = [...at, 'states', key]
    const step = isRecord(child.meta) ? child.meta.step : undefined
    if (isRecord(step)) {
      const parsed = stepSchema.safeParse(step)
      if (!parsed.success) throw definitionError(zodIssues(parsed.error, [...here, 'meta', 'step']), parsed.error)
      if (parsed.data.id !== key) {
        throw definitionError([{ field: fieldPath([...here, 'meta', 'step', 'id']), message: `is "${parsed.data.id}" but the state is "${key}": name the state after its step` }])
      }
      found.push({ step, state: child, at: here, drawn: drawnTargets(child, state) })
      const inner = parsed.data.type === 'parallel' ? 'parallel' : parsed.data.type === 'loop' ? 'loop' : null
      if (inner) collect(child, inner, here, found)
      continue
    }
    const internal = INTERNAL[kind](key)
    // A final state is where paths end, in a design as in the compiled machine.
    if (internal === 'skip' || internal === 'leaf' || child.type === 'final') continue
    if (internal) {
      collect(child, internal, here, found)
      continue
    }
    throw definitionError([
      { field: fieldPath(here), message: `state "${key}" has no meta.step: give every workflow state meta.step with its step definition ({id: "${key}", type, ...})` },
    ])
  }
}

/** Sibling step states that a step state's transitions, or those of its inner non-step states, go to. */
function drawnTargets(state: StateJson, parent: StateJson): string[] {
  const siblings = parent.states ?? {}
  const targets: string[] = []
  const visit = (node: StateJson): void => {
    const lists: (TransitionJson | TransitionJson[] | undefined)[] = [...Object.values(node.on ?? {}), node.always, node.onDone]
    for (const list of lists) {
      // A design may use XState's shorthands: a target string instead of `{target}`.
      for (const t of (list === undefined ? [] : Array.isArray(list) ? list : [list]) as (TransitionJson | string)[]) {
        const key = (typeof t === 'string' ? t : t.target)?.split('.').at(-1)
        if (key && key in siblings && isRecord(siblings[key]?.meta) && siblings[key].meta.step && !targets.includes(key)) targets.push(key)
      }
    }
    for (const child of Object.values(node.states ?? {})) if (!(isRecord(child.meta) && child.meta.step)) visit(child)
  }
  visit(state)
  return targets
}

/** Checks the drawn transitions against the steps' flow, filling in flow the metas leave out. */
function reconcile(definition: WorkflowDefinition, found: Found[]): WorkflowDefinition {
  const layout = layoutOf(definition)
  const steps = definition.steps.map((step, i) => {
    const { drawn, at } = found[i]!
    const defined = edgesOf(step, layout.scopeOf.get(step.id)!).flatMap((e) => (e.target ? [e.target] : []))
    if (drawn.length === new Set(defined).size && drawn.every((t) => defined.includes(t))) return step
    const says = step.next_steps !== undefined || (step.type === 'condition' && (step.on_true || step.on_false))
    if (says || drawn.length > (step.type === 'condition' ? 2 : 1)) {
      const list = (ids: string[]) => ids.map((t) => `"${t}"`).join(', ') || 'none'
      const message = `its transitions go to ${list(drawn)}, but meta.step says ${list(defined)}: make meta.step (next_steps, on_true, on_false, on_timeout) and the transitions agree`
      throw definitionError([{ field: fieldPath(at), message }])
    }
    return { ...step, next_steps: drawn }
  })
  return { ...definition, steps }
}
