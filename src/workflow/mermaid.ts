import type { MachineJson, StateJson, TransitionJson } from '../../machines/workflow-config.js'

/** A state of the machine config, placed in its tree and given a Mermaid id (`[^\w]` is not allowed there). */
interface Node {
  key: string
  path: string[]
  json: StateJson
  id: string
  parent: Node | null
  children: Node[]
}

interface Edge {
  from: Node
  to: Node
  label: string
}

const EVENT_LABELS: Record<string, string> = {
  'STEP.COMPLETED': 'completed',
  'STEP.FAILED': 'failed',
  'TIMER.FIRED': 'timer fired',
  'EVENT.MATCHED': 'event matched',
  CANCEL: 'cancel',
  'COMPENSATION.COMPLETED': 'undone',
  'COMPENSATION.FAILED': 'undo failed',
}
const GUARD_LABELS: Record<string, string> = {
  conditionsHold: 'true',
  hasStartError: 'cannot start',
  loopFinished: 'finished',
  loopAtLimit: 'max iterations',
  cancelWithCompensation: 'with compensation',
  cancelRequested: 'after cancel',
  compensationPending: 'more to undo',
}

/**
 * Renders a machine config as a Mermaid `stateDiagram-v2`: a composite state per parallel, loop
 * and scope, a state per step (labelled with its id). Mermaid cannot draw an arrow between states
 * of different composites, so such an arrow is drawn between their ancestors that are siblings
 * (a failure anywhere inside `running` becomes `running --> failed`).
 */
export function configToMermaid(config: MachineJson): string {
  const used = new Set<string>()
  const byPath = new Map<string, Node>()
  const build = (key: string, json: StateJson, parent: Node | null): Node => {
    const path = parent ? [...parent.path, key] : []
    const plain = (parent && parent.parent && !json.meta?.step ? `${parent.id}_${key}` : key).replace(/\W/g, '_')
    // Mermaid's lexer reads these as keywords wherever an id could start.
    const base = /^(default|state$|note$|class$|classDef$|scale$|direction$|hide$|accTitle|accDescr)/i.test(plain) ? `s_${plain}` : plain
    let id = base
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`
    used.add(id)
    const node: Node = { key, path, json, id, parent, children: [] }
    byPath.set(path.join('.'), node)
    node.children = Object.entries(json.states ?? {}).map(([childKey, child]) => build(childKey, child, node))
    return node
  }
  const root = build(config.id, config, null)
  const edges = collectEdges(root, byPath)
  const lines = ['stateDiagram-v2', ...renderBody(root, edges, '  ')]
  return `${lines.join('\n')}\n`
}

function collectEdges(root: Node, byPath: Map<string, Node>): Edge[] {
  const edges: Edge[] = []
  const resolve = (from: Node, target: string): Node | undefined => {
    if (target.startsWith('#')) return byPath.get(target.slice(1).split('.').slice(1).join('.'))
    return byPath.get([...(from.parent?.path ?? []), target].join('.'))
  }
  const add = (from: Node, transitions: TransitionJson | TransitionJson[] | undefined, event: string): void => {
    const list = transitions === undefined ? [] : Array.isArray(transitions) ? transitions : [transitions]
    list.forEach((t, i) => {
      const to = t.target === undefined ? undefined : resolve(from, t.target)
      if (!to) return
      const previous = list[i - 1]?.guard?.type
      const guard = t.guard ? GUARD_LABELS[t.guard.type] : previous === 'conditionsHold' ? 'false' : undefined
      const label = [event, guard].filter(Boolean).join(' ')
      edges.push({ from, to, label })
    })
  }
  const visit = (node: Node): void => {
    for (const [event, transitions] of Object.entries(node.json.on ?? {})) add(node, transitions, EVENT_LABELS[event] ?? event)
    add(node, node.json.always, '')
    add(node, node.json.onDone, 'done')
    node.children.forEach(visit)
  }
  visit(root)
  return edges
}

/** The two ancestors (or selves) of `a` and `b` that are siblings, and their parent. */
function lift(a: Node, b: Node): { parent: Node; from: Node; to: Node } | null {
  const chain = (n: Node): Node[] => (n.parent ? [...chain(n.parent), n] : [n])
  const ca = chain(a)
  const cb = chain(b)
  let i = 0
  while (ca[i + 1] && ca[i + 1] === cb[i + 1]) i++
  const from = ca[i + 1]
  const to = cb[i + 1]
  if (!from || !to || from === to) return null
  return { parent: ca[i]!, from, to }
}

function renderBody(node: Node, edges: Edge[], indent: string): string[] {
  const lines: string[] = []
  const isScopeEnd = (n: Node): boolean => n.json.type === 'final' && n.parent !== null && n.parent.parent !== null
  if (node.json.initial) {
    const first = node.children.find((c) => c.key === node.json.initial)
    if (first) lines.push(`${indent}[*] --> ${isScopeEnd(first) ? '[*]' : first.id}`)
  }
  node.children.forEach((child, i) => {
    if (node.json.type === 'parallel' && i > 0) lines.push(`${indent}--`)
    if (isScopeEnd(child)) return
    const label = `"${child.key.replace(/"/g, "'")}"`
    if (child.children.length === 0) {
      lines.push(`${indent}state ${label} as ${child.id}`)
      if (child.json.type === 'final') lines.push(`${indent}${child.id} --> [*]`)
      return
    }
    // No space before `{`: Mermaid would keep it as part of the id.
    lines.push(`${indent}state ${label} as ${child.id}{`, ...renderBody(child, edges, `${indent}  `), `${indent}}`)
  })
  const seen = new Set<string>()
  for (const edge of edges) {
    const lifted = lift(edge.from, edge.to)
    if (!lifted || lifted.parent !== node) continue
    const to = isScopeEnd(lifted.to) ? '[*]' : lifted.to.id
    const label = edge.label.replace(/[:;\n]/g, ' ').trim()
    const line = `${indent}${lifted.from.id} --> ${to}${label ? ` : ${label}` : ''}`
    if (!seen.has(line)) lines.push(line)
    seen.add(line)
  }
  return lines
}
