import type { RetryPolicyInput } from '../model/retry-policy.js'
import type { WorkflowDefinitionInput } from '../workflow/definition.js'
import { translateExpression } from './condition-expression.js'
import { toMs } from './plan.js'

type StepInput = WorkflowDefinitionInput['steps'][number]
type OldStep = Record<string, unknown>

const KNOWN_KEYS = new Set(['id', 'name', 'description', 'type', 'action', 'inputs', 'params', 'condition', 'parallel', 'loop', 'subflow', 'depends_on', 'on_error', 'retry', 'timeout'])
const BACKOFF = { exponential: 'exponential', linear: 'linear', fixed: 'fixed', constant: 'fixed', none: 'fixed' } as const

/** A conversion problem: the message names the step, and the row is reported with it. */
export class StepError extends Error {}

const isObject = (v: unknown): v is OldStep => v !== null && typeof v === 'object' && !Array.isArray(v)

function list(value: unknown, field: string): OldStep[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw new StepError(`${field} must be a list of steps`)
  value.forEach((s, i) => {
    if (!isObject(s)) throw new StepError(`${field}[${i}] must be a step object (nested steps are written out in full)`)
  })
  return value as OldStep[]
}

/** Renames template roots: `{{input.x}}` → `{{inputs.x}}`, a loop's `{{item.x}}` → `{{loop.item.x}}`. */
export function rewriteTemplates(value: unknown, aliases: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{\s*([A-Za-z_$][\w$-]*)/g, (_m, head: string) => `{{${head === 'input' ? 'inputs' : (aliases.get(head) ?? head)}`)
  }
  if (Array.isArray(value)) return value.map((v) => rewriteTemplates(v, aliases))
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteTemplates(v, aliases)]))
  return value
}

/** Steps in dependency order (stable: among ready steps, the one written first); throws on a missing step or a cycle. */
export function dependencyOrder(steps: OldStep[]): OldStep[] {
  const byId = new Map(steps.map((s) => [String(s.id), s]))
  const depsOf = (s: OldStep): string[] => {
    const deps = s.depends_on ?? []
    if (!Array.isArray(deps)) throw new StepError(`step "${String(s.id)}": depends_on must be a list of step ids`)
    for (const d of deps) if (!byId.has(String(d))) throw new StepError(`step "${String(s.id)}" depends on "${String(d)}", which is not a step of this workflow`)
    return deps.map(String)
  }
  const done = new Set<string>()
  const order: OldStep[] = []
  while (order.length < steps.length) {
    const next = steps.find((s) => !done.has(String(s.id)) && depsOf(s).every((d) => done.has(d)))
    if (!next) throw new StepError(`depends_on forms a cycle among ${steps.filter((s) => !done.has(String(s.id))).map((s) => `"${String(s.id)}"`).join(', ')}`)
    done.add(String(next.id))
    order.push(next)
  }
  return order
}

/**
 * Turns the old nested steps into our flat catalogue. A chain of old steps runs in order: each of
 * ours names its successor explicitly (`next_steps: [next]`, or `[]` to end), so it behaves the
 * same at the top level and inside a parallel branch or loop body, whose lists list every step.
 */
export class StepConverter {
  readonly steps: StepInput[] = []
  /** Action steps by their `on_error`, for the workflow-wide `error_handling`. */
  readonly onError = new Map<string, string>()

  /** Converts `olds` run one after another, ending at `continuation`; returns every id created, entry first. */
  chain(olds: OldStep[], continuation: string | undefined, sequential: boolean, aliases: ReadonlyMap<string, string>, nested: boolean): string[] {
    const ids: string[] = []
    olds.forEach((old, i) => {
      if (nested) {
        const earlier = olds.slice(0, i).map((s) => String(s.id))
        const deps = Array.isArray(old.depends_on) ? old.depends_on.map(String) : []
        const stray = deps.find((d) => !earlier.includes(d))
        if (stray) throw new StepError(`step "${String(old.id)}" depends on "${stray}", which is not an earlier step of its list`)
      }
      const next = i + 1 < olds.length ? String(olds[i + 1]!.id) : continuation
      ids.push(...this.one(old, next, sequential, aliases))
    })
    return ids
  }

  private one(old: OldStep, next: string | undefined, sequential: boolean, aliases: ReadonlyMap<string, string>): string[] {
    const id = typeof old.id === 'string' || typeof old.id === 'number' ? String(old.id) : ''
    if (!id) throw new StepError(`a step without an id: ${JSON.stringify(old).slice(0, 100)}`)
    const unknown = Object.keys(old).filter((k) => !KNOWN_KEYS.has(k))
    if (unknown.length > 0) throw new StepError(`step "${id}": unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`)
    const common = {
      id,
      ...(typeof old.name === 'string' && old.name ? { name: old.name } : {}),
      ...(typeof old.description === 'string' && old.description ? { description: old.description } : {}),
    }
    const then = next ? [next] : []
    const type = old.type ?? (old.action ? 'action' : undefined)
    if (type !== 'action' && (old.retry !== undefined || old.timeout !== undefined || ['retry', 'continue'].includes(String(old.on_error)))) {
      throw new StepError(`step "${id}": retry, timeout and on_error apply to action steps only in sp-events`)
    }
    switch (type) {
      case 'action':
        return [this.push(this.action(old, id, common, then, aliases))]
      case 'condition':
        return this.condition(old, id, common, next, sequential, aliases)
      case 'parallel': {
        const index = this.steps.length
        const p = isObject(old.parallel) ? old.parallel : {}
        if (!Array.isArray(p.branches) || p.branches.length === 0) throw new StepError(`step "${id}": parallel.branches must be a non-empty list`)
        const branches = p.branches.map((b: unknown, i: number) => this.chain(list(Array.isArray(b) ? b : [b], `step "${id}" parallel.branches[${i}]`), undefined, true, aliases, true))
        this.push({ ...common, type: 'parallel', branches, join: p.wait_all === false ? 'any' : 'all', next_steps: then }, index)
        return [id, ...branches.flat()]
      }
      case 'loop': {
        const index = this.steps.length
        const l = isObject(old.loop) ? old.loop : {}
        if (typeof l.over !== 'string' || !l.over.trim()) throw new StepError(`step "${id}": loop.over must name the list to go over`)
        const inner = typeof l.as === 'string' && l.as ? new Map([...aliases, [l.as, 'loop.item']]) : aliases
        const body = this.chain(list(l.steps, `step "${id}" loop.steps`), undefined, true, inner, true)
        if (body.length === 0) throw new StepError(`step "${id}": loop.steps is empty`)
        const over = l.over.includes('{{') ? (rewriteTemplates(l.over, aliases) as string) : (rewriteTemplates(`{{${l.over.trim()}}}`, aliases) as string)
        const max = typeof l.max_iterations === 'number' ? { max_iterations: l.max_iterations } : {}
        this.push({ ...common, type: 'loop', over, steps: body, ...max, next_steps: then }, index)
        return [id, ...body]
      }
      case 'subflow': {
        const target = isObject(old.subflow) ? old.subflow.workflow_id : old.subflow
        if (typeof target !== 'string' || !target) throw new StepError(`step "${id}": subflow must name a workflow id`)
        const inputs = old.inputs ?? old.params
        return [this.push({ ...common, type: 'subflow', workflow_id: target, ...(isObject(inputs) ? { inputs: rewriteTemplates(inputs, aliases) as Record<string, unknown> } : {}), next_steps: then })]
      }
      default:
        throw new StepError(`step "${id}": unknown step type ${JSON.stringify(type)}`)
    }
  }

  /** Adds a step at `index` (default: the end): a step that contains others goes before them, so steps[0] starts the workflow. */
  private push(step: StepInput, index = this.steps.length): string {
    this.steps.splice(index, 0, step)
    return step.id
  }

  private action(old: OldStep, id: string, common: object, then: string[], aliases: ReadonlyMap<string, string>): StepInput {
    if (typeof old.action !== 'string' || !old.action) throw new StepError(`step "${id}": action must name the action (a function), such as "order.validate"`)
    const onError = old.on_error === undefined || old.on_error === null ? 'fail' : String(old.on_error)
    if (onError === 'goto') throw new StepError(`needs attention: step "${id}" has on_error goto, which sp-events has no equivalent for; use compensation or a condition on the step's output`)
    if (!['fail', 'continue', 'retry'].includes(onError)) throw new StepError(`step "${id}": unknown on_error ${JSON.stringify(onError)}`)
    this.onError.set(id, onError)
    const inputs = old.inputs ?? old.params
    const timeout = toMs(old.timeout, `step "${id}" timeout`)
    const retry = retryPolicyOf(old.retry, onError, id)
    return {
      ...common,
      type: 'action',
      action: old.action,
      ...(isObject(inputs) ? { inputs: rewriteTemplates(inputs, aliases) as Record<string, unknown> } : {}),
      ...(retry ? { retry_policy: retry } : {}),
      ...(timeout ? { timeout_ms: timeout } : {}),
      next_steps: then,
    } as StepInput
  }

  private condition(old: OldStep, id: string, common: object, next: string | undefined, sequential: boolean, aliases: ReadonlyMap<string, string>): string[] {
    const c = isObject(old.condition) ? old.condition : null
    if (!c || typeof c.expression !== 'string') throw new StepError(`step "${id}": condition.expression is missing`)
    const conditions = translateExpression(c.expression, aliases)
    if (typeof conditions === 'string') throw new StepError(`needs attention: step "${id}": ${conditions}`)
    const index = this.steps.length
    const whenTrue = this.chain(list(c.then_steps, `step "${id}" condition.then_steps`), next, sequential, aliases, true)
    const whenFalse = this.chain(list(c.else_steps, `step "${id}" condition.else_steps`), next, sequential, aliases, true)
    const onTrue = whenTrue[0] ?? next
    const onFalse = whenFalse[0] ?? next
    let routes: object
    if (onTrue && onFalse) routes = { on_true: onTrue, on_false: onFalse }
    else if (onTrue) routes = { next_steps: [onTrue] }
    else if (!onFalse) routes = { next_steps: [] }
    else if (!sequential) routes = { on_false: onFalse }
    else throw new StepError(`needs attention: step "${id}" is a condition with only else_steps at the end of a branch or loop body; give it then_steps`)
    this.push({ ...common, type: 'condition', conditions, ...routes } as StepInput, index)
    return [id, ...whenTrue, ...whenFalse]
  }
}

function retryPolicyOf(retry: unknown, onError: string, id: string): RetryPolicyInput | undefined {
  if (retry === undefined || retry === null) return onError === 'retry' ? { strategy: 'exponential', max_attempts: 3 } : undefined
  if (!isObject(retry)) throw new StepError(`step "${id}": retry must be an object {attempts, delay, backoff, max_delay}`)
  const backoff = retry.backoff === undefined || retry.backoff === null ? 'fixed' : String(retry.backoff)
  const strategy = BACKOFF[backoff as keyof typeof BACKOFF]
  if (!strategy) throw new StepError(`step "${id}": retry.backoff ${JSON.stringify(backoff)} is not fixed, linear or exponential`)
  const attempts = retry.attempts ?? 3
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1) throw new StepError(`step "${id}": retry.attempts must be a whole number from 1`)
  const delay = toMs(retry.delay, `step "${id}" retry.delay`)
  const maxDelay = toMs(retry.max_delay, `step "${id}" retry.max_delay`)
  return { strategy, max_attempts: attempts, ...(delay !== null ? { initial_delay_ms: delay } : {}), ...(maxDelay !== null ? { max_delay_ms: maxDelay } : {}) }
}
