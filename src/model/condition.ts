import { z } from 'zod'

export const CONDITION_OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'exists', 'regex'] as const
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number]

export const conditionSchema = z
  .strictObject({
    field: z.string().min(1).max(500),
    operator: z.enum(CONDITION_OPERATORS),
    value: z.unknown().optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.operator === 'in' || c.operator === 'nin') && !Array.isArray(c.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `operator "${c.operator}" needs an array value` })
    }
    if (c.operator === 'regex') {
      if (typeof c.value !== 'string') ctx.addIssue({ code: 'custom', path: ['value'], message: 'operator "regex" needs a string value' })
      else {
        try {
          new RegExp(c.value)
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['value'], message: `not a valid regular expression: ${(err as Error).message}` })
        }
      }
    }
    if (c.operator !== 'exists' && c.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `operator "${c.operator}" needs a value` })
    }
  })
export type Condition = z.output<typeof conditionSchema>

/** Reads a dotted path (`data.user.id`, `items.0.sku`) out of a value; undefined where it is missing. */
export function getPath(root: unknown, path: string): unknown {
  let current: unknown = root
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'number' && typeof b === 'string' && b.trim() !== '' && !Number.isNaN(Number(b))) return a - Number(b)
  if (typeof a === 'string' && typeof b === 'number' && a.trim() !== '' && !Number.isNaN(Number(a))) return Number(a) - b
  return undefined
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) return JSON.stringify(a) === JSON.stringify(b)
  return false
}

/** Evaluates one condition against `root`; a comparison of unlike types is false, never an error. */
export function evaluateCondition(condition: Condition, root: unknown): boolean {
  const actual = getPath(root, condition.field)
  const expected = condition.value
  switch (condition.operator) {
    case 'exists':
      return expected === false ? actual === undefined : actual !== undefined
    case 'eq':
      return equal(actual, expected)
    case 'neq':
      return !equal(actual, expected)
    case 'in':
      return Array.isArray(expected) && expected.some((v) => equal(actual, v))
    case 'nin':
      return Array.isArray(expected) && !expected.some((v) => equal(actual, v))
    case 'regex':
      return typeof actual === 'string' && typeof expected === 'string' && new RegExp(expected).test(actual)
    default: {
      const order = compare(actual, expected)
      if (order === undefined) return false
      if (condition.operator === 'gt') return order > 0
      if (condition.operator === 'gte') return order >= 0
      if (condition.operator === 'lt') return order < 0
      return order <= 0
    }
  }
}

/** All conditions must hold (an empty list holds). */
export function evaluateConditions(conditions: readonly Condition[] | null | undefined, root: unknown): boolean {
  if (!conditions) return true
  for (const condition of conditions) if (!evaluateCondition(condition, root)) return false
  return true
}
