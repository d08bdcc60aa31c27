import type { Step, WorkflowDefinition } from './definition.js'

/**
 * A list of steps that run one path at a time: the top level, one branch of a parallel step, or
 * the body of a loop step. Every step belongs to exactly one scope, and only continues within it.
 */
export interface Scope {
  /** The parallel or loop step whose branch or body this is; null at the top level. */
  owner: string | null
  kind: 'top' | 'branch' | 'body'
  /** The branch's index for a parallel step's branch. */
  branch: number
  /** Step ids; the first one starts the scope. */
  ids: string[]
  /** Whether a step without next_steps goes to the next id (branch and body lists do; the top level ends). */
  sequential: boolean
}

/** Where a step goes: a step id of its scope, or null for the end of the scope. */
export interface Edge {
  /** The definition field that decides it, relative to the step (`next_steps[0]`, `on_timeout`). */
  field: string
  label: 'next' | 'true' | 'false' | 'timeout'
  target: string | null
}

export interface Layout {
  byId: ReadonlyMap<string, Step>
  indexOf: ReadonlyMap<string, number>
  top: Scope
  /** The scope each step runs in. */
  scopeOf: ReadonlyMap<string, Scope>
  /** The branches of a parallel step, the body of a loop step. */
  inner: ReadonlyMap<string, Scope[]>
}

/**
 * Works out which scope each step runs in. Tolerant of a definition that has not been validated
 * yet (the first claim on a step wins), so the validator can use it to report what is wrong.
 */
export function layoutOf(definition: WorkflowDefinition): Layout {
  const byId = new Map<string, Step>()
  const indexOf = new Map<string, number>()
  definition.steps.forEach((step, index) => {
    if (!byId.has(step.id)) {
      byId.set(step.id, step)
      indexOf.set(step.id, index)
    }
  })
  const owned = new Set<string>()
  const inner = new Map<string, Scope[]>()
  for (const step of byId.values()) {
    const lists = step.type === 'parallel' ? step.branches : step.type === 'loop' ? [step.steps] : []
    const scopes = lists.map((ids, branch): Scope => ({
      owner: step.id,
      kind: step.type === 'loop' ? 'body' : 'branch',
      branch,
      ids: ids.filter((id) => byId.has(id) && !owned.has(id) && id !== step.id),
      sequential: true,
    }))
    for (const scope of scopes) for (const id of scope.ids) owned.add(id)
    if (scopes.length > 0) inner.set(step.id, scopes)
  }
  const top: Scope = { owner: null, kind: 'top', branch: 0, ids: [...byId.keys()].filter((id) => !owned.has(id)), sequential: false }
  const scopeOf = new Map<string, Scope>()
  for (const scope of [top, ...[...inner.values()].flat()]) for (const id of scope.ids) scopeOf.set(id, scope)
  return { byId, indexOf, top, scopeOf, inner }
}

/** Where a step goes. A missing successor is the next id of a branch or body list, else the end. */
export function edgesOf(step: Step, scope: Scope): Edge[] {
  const position = scope.ids.indexOf(step.id)
  const fallThrough = scope.sequential ? (scope.ids[position + 1] ?? null) : null
  const given = step.next_steps
  const slot = (i: number): string | null => (given ? (given[i] ?? null) : fallThrough)
  if (step.type === 'condition' && (step.on_true || step.on_false)) {
    return [
      { field: 'on_true', label: 'true', target: step.on_true ?? fallThrough },
      { field: 'on_false', label: 'false', target: step.on_false ?? fallThrough },
    ]
  }
  if (step.type === 'condition') {
    return [
      { field: 'next_steps[0]', label: 'true', target: slot(0) },
      { field: 'next_steps[1]', label: 'false', target: slot(1) },
    ]
  }
  const edges: Edge[] = [{ field: 'next_steps[0]', label: 'next', target: slot(0) }]
  if (step.type === 'wait_for_event' && step.on_timeout) edges.push({ field: 'on_timeout', label: 'timeout', target: step.on_timeout })
  return edges
}

/** The loop steps around a step, outermost first (their iteration numbers make its runs distinct). */
export function enclosingLoops(layout: Layout, stepId: string): string[] {
  const loops: string[] = []
  let scope = layout.scopeOf.get(stepId)
  // Bounded: an unvalidated definition may nest steps in a circle.
  for (let depth = 0; scope?.owner && depth < layout.byId.size; depth++) {
    if (scope.kind === 'body') loops.unshift(scope.owner)
    scope = layout.scopeOf.get(scope.owner)
  }
  return loops
}
