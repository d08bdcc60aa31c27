import type { Condition, ConditionOperator } from '../model/condition.js'

/**
 * The old `condition.expression` was a JavaScript-like text. What maps onto our operators converts:
 * comparisons of a path with a literal (`inputs.amount > 100`, `status == 'paid'`), joined by `&&`.
 * Anything else (`||`, `!`, arithmetic, calls, two paths) returns a reason: an operator must look.
 */

const OPS: Record<string, ConditionOperator> = { '===': 'eq', '==': 'eq', '!==': 'neq', '!=': 'neq', '>=': 'gte', '<=': 'lte', '>': 'gt', '<': 'lt' }
const FLIP: Partial<Record<ConditionOperator, ConditionOperator>> = { gt: 'lt', lt: 'gt', gte: 'lte', lte: 'gte' }
const PATH = /^\{\{\s*([A-Za-z_$][\w$-]*(?:\.[\w$-]+)*)\s*\}\}$|^([A-Za-z_$][\w$-]*(?:\.[\w$-]+)*)$/
const CLAUSE = /^(.+?)\s*(===|!==|==|!=|>=|<=|>|<)\s*(.+)$/

function literal(text: string): { value: unknown } | null {
  if (/^-?\d+(\.\d+)?$/.test(text)) return { value: Number(text) }
  if (/^'[^'\\]*'$/.test(text) || /^"[^"\\]*"$/.test(text)) return { value: text.slice(1, -1) }
  if (text === 'true' || text === 'false') return { value: text === 'true' }
  if (text === 'null') return { value: null }
  return null
}

/** `input.x` and `inputs.x` are both the workflow input; `aliases` renames a loop's `as` variable. */
function path(text: string, aliases: ReadonlyMap<string, string>): string | null {
  const m = PATH.exec(text)
  const raw = m?.[1] ?? m?.[2]
  if (!raw || ['true', 'false', 'null'].includes(raw)) return null
  const [head, ...rest] = raw.replace(/^\$\./, '').split('.')
  const root = head === 'input' ? 'inputs' : (aliases.get(head!) ?? head!)
  return [root, ...rest].join('.')
}

/** Splits on `&&` outside quotes; null when the expression uses what we cannot translate. */
function clauses(expression: string): string[] | null {
  let depthQuote: string | null = null
  const out: string[] = []
  let start = 0
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i]!
    if (depthQuote) {
      if (ch === depthQuote) depthQuote = null
    } else if (ch === "'" || ch === '"') depthQuote = ch
    else if (expression.startsWith('&&', i)) {
      out.push(expression.slice(start, i).trim())
      start = i + 2
      i++
    } else if (expression.startsWith('||', i) || '()!?:+*/%'.includes(ch) && !(ch === '!' && expression[i + 1] === '=')) return null
  }
  out.push(expression.slice(start).trim())
  return out
}

export function translateExpression(expression: string, aliases: ReadonlyMap<string, string> = new Map()): Condition[] | string {
  const parts = clauses(expression.trim())
  const why = `condition expression ${JSON.stringify(expression)} cannot be translated: only comparisons of a path with a literal (==, !=, >, >=, <, <=) joined by && convert; rewrite it as conditions`
  if (!parts || parts.some((p) => p === '')) return why
  const out: Condition[] = []
  for (const part of parts) {
    const m = CLAUSE.exec(part)
    if (!m) return why
    const [, left, opText, right] = m as unknown as [string, string, string, string]
    let op = OPS[opText]!
    let field = path(left.trim(), aliases)
    let value = literal(right.trim())
    if (!field || !value) {
      // `100 < inputs.amount`: the literal on the left.
      field = path(right.trim(), aliases)
      value = literal(left.trim())
      op = FLIP[op] ?? op
    }
    if (!field || !value) return why
    out.push({ field, operator: op, value: value.value })
  }
  return out
}
