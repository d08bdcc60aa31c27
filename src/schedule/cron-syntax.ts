import { ValidationError } from '../errors.js'

/**
 * Checks the text of a cron expression field by field, so that a mistake is reported by the name of
 * the field and the value at fault, and rewrites it in the 6-field numeric form given to cron-parser.
 *
 * Accepted: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; in each,
 * `*`, numbers, ranges `a-b`, steps (`a/n`, `a-b/n`, and `*` followed by `/n`) and lists; names (JAN, MON);
 * `?` in the day fields; `L` (last day) in day-of-month; `5L` (last Friday) and `1#2` (second Monday)
 * in day-of-week; day-of-week 7 is Sunday; and the macros @yearly @annually @monthly @weekly @daily
 * @midnight @hourly. Refused: `H` (hashed values would differ between runtimes, so occurrence ids
 * would too) and @reboot (not a time).
 */

export const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

interface FieldRule {
  name: string
  min: number
  max: number
  names?: readonly string[]
  /** The first name stands for this number. */
  namesFrom?: number
  days?: 'month' | 'week'
}

const FIELDS: readonly FieldRule[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, days: 'month' },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'], namesFrom: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], namesFrom: 0, days: 'week' },
]

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

export interface CronSyntax {
  /** The expression in 6-field numeric form (seconds first), as cron-parser reads it. */
  normalized: string
  /** Whether the expression, as written, has a seconds field. */
  hasSeconds: boolean
}

function fail(message: string): never {
  throw new ValidationError('cron', message)
}

/** Reads a number or a name of the field; fails naming the field and value. */
function readValue(rule: FieldRule, field: string, text: string): number {
  let value: number
  if (/^\d+$/.test(text)) value = Number(text)
  else {
    const index = rule.names?.indexOf(text.toUpperCase()) ?? -1
    if (index < 0) {
      const hint = rule.names ? ` (use ${rule.min}-${rule.max} or names such as ${rule.names[0]})` : ''
      fail(`${rule.name} field "${field}": "${text}" is not a number${hint}`)
    }
    value = index + (rule.namesFrom ?? 0)
  }
  if (value < rule.min || value > rule.max) {
    fail(field === text ? `${rule.name} field "${field}" out of range ${rule.min}-${rule.max}` : `${rule.name} field "${field}": ${value} out of range ${rule.min}-${rule.max}`)
  }
  return value
}

/** One list item: the numbers it selects, or a day special (`L`, `5L`, `1#2`) kept as text. */
type Item = { values: number[] } | { special: string }

function span(from: number, to: number, step: number): number[] {
  const values: number[] = []
  for (let v = from; v <= to; v += step) values.push(v)
  return values
}

/** Checks one comma-separated item, naming the field and value at fault. */
function readItem(rule: FieldRule, field: string, item: string): Item {
  if (item === '') fail(`${rule.name} field "${field}" has an empty list item`)
  if (/^H(?:$|[/(#])/i.test(item)) {
    fail(`${rule.name} field "${field}": H (hashed values) is not supported: a hashed time would differ between runtimes; write the value you want`)
  }
  if (item === '?' && !rule.days) fail(`${rule.name} field "${field}": "?" is only allowed in day-of-month and day-of-week`)
  if (rule.days === 'month' && item.toUpperCase() === 'L') return { special: 'L' }
  if (rule.days === 'week') {
    const last = /^(\w+)L$/i.exec(item)
    if (last?.[1]) return { special: `${readValue(rule, field, last[1]) % 7}L` }
    const nth = /^(\w+)#(\d+)$/.exec(item)
    if (nth?.[1] && nth[2]) {
      const n = Number(nth[2])
      if (n < 1 || n > 5) fail(`${rule.name} field "${field}": occurrence #${n} out of range 1-5`)
      if (field.includes(',')) fail(`${rule.name} field "${field}": an nth weekday (${item}) cannot be combined with other days`)
      return { special: `${readValue(rule, field, nth[1]) % 7}#${n}` }
    }
  }
  const parts = /^([^/]+)(?:\/(.*))?$/.exec(item)
  if (!parts?.[1]) fail(`${rule.name} field "${field}": cannot read "${item}"`)
  const [, base, stepText] = parts
  let step = 1
  if (stepText !== undefined) {
    const width = rule.max - rule.min + 1
    step = Number(stepText)
    if (!/^\d+$/.test(stepText) || step < 1 || step > width) {
      fail(`${rule.name} field "${field}": step "${stepText}" must be a whole number from 1 to ${width}`)
    }
  }
  if (base === '*' || base === '?') return { values: span(rule.min, rule.max, step) }
  const range = /^(\w+)-(\w+)$/.exec(base)
  if (range?.[1] && range[2]) {
    const from = readValue(rule, field, range[1])
    const to = readValue(rule, field, range[2])
    if (from > to) fail(`${rule.name} field "${field}": range start ${from} is after its end ${to}`)
    return { values: span(from, to, step) }
  }
  if (!/^\w+$/.test(base)) fail(`${rule.name} field "${field}": cannot read "${item}"`)
  const value = readValue(rule, field, base)
  // `a/n` means from a to the end of the field, every n.
  return { values: stepText === undefined ? [value] : span(value, rule.max, step) }
}

/**
 * One field in the form cron-parser reads: `*` when written as `*` or `?` alone (it matters for
 * the day fields, where a restricted day-of-month and day-of-week combine with OR), else the sorted
 * distinct numbers (cron-parser refuses overlaps such as `1-5,3`), then any day specials.
 */
function normalizeField(rule: FieldRule, field: string): { text: string; values: number[] } {
  const items = field.split(',').map((item) => readItem(rule, field, item))
  if (field === '*' || field === '?') return { text: '*', values: span(rule.min, rule.max, 1) }
  const numbers = new Set<number>()
  const specials: string[] = []
  for (const item of items) {
    if ('special' in item) specials.push(item.special)
    else for (const v of item.values) numbers.add(rule.days === 'week' ? v % 7 : v)
  }
  const values = [...numbers].sort((a, b) => a - b)
  return { text: [...values.map(String), ...specials].join(','), values }
}

/** Validates `expression` and returns its normalized form; throws ValidationError('cron', ...). */
export function readCronSyntax(expression: string): CronSyntax {
  if (typeof expression !== 'string') fail('must be a string such as "0 2 * * *"')
  const trimmed = expression.trim()
  if (trimmed === '') fail('expression is empty: write 5 fields (minute hour day-of-month month day-of-week), such as "0 2 * * *"')
  if (trimmed.startsWith('@')) {
    const macro = trimmed.toLowerCase()
    if (macro === '@reboot') fail('@reboot is not supported: a schedule needs times; run start-up work from the runtime instead')
    const expanded = CRON_MACROS[macro]
    if (!expanded) fail(`unknown macro "${trimmed}": use one of ${Object.keys(CRON_MACROS).join(', ')}`)
    return { normalized: `0 ${expanded}`, hasSeconds: false }
  }
  const fields = trimmed.split(/\s+/)
  if (fields.length !== 5 && fields.length !== 6) {
    fail(`expected 5 or 6 fields (minute hour day-of-month month day-of-week, optionally seconds first), got ${fields.length}`)
  }
  const hasSeconds = fields.length === 6
  const full = hasSeconds ? fields : ['0', ...fields]
  const normalized = full.map((field, i) => normalizeField(FIELDS[i]!, field))
  // A day of month that no chosen month has (31 in February) never fires, unless day-of-week rescues it.
  const [dayOfMonth, month, dayOfWeek] = [normalized[3]!, normalized[4]!, normalized[5]!]
  if (dayOfWeek.text === '*' && !dayOfMonth.text.includes('L')) {
    const longest = Math.max(...month.values.map((m) => DAYS_IN_MONTH[m - 1]!))
    if (Math.min(...dayOfMonth.values) > longest) {
      fail(`day-of-month field "${full[3]}" never occurs in the chosen months (month field "${full[4]}")`)
    }
  }
  return { normalized: normalized.map((f) => f.text).join(' '), hasSeconds }
}
