import { getPath } from './condition.js'

const WHOLE = /^\{\{\s*([^{}]+?)\s*\}\}$/
const ANY = /\{\{\s*([^{}]+?)\s*\}\}/g
const REFERENCE = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/

/** The references (`event.data.x`, `steps.a.b`) a string's templates use, in order. */
export function templateReferences(text: string): string[] {
  return [...text.matchAll(ANY)].map((m) => m[1]!.trim())
}

/** Null when every template in `text` is a well-formed dotted reference, else the first bad one. */
export function findBadTemplate(text: string): string | null {
  if (/\{\{(?![^{}]*\}\})/.test(text)) return text
  for (const ref of templateReferences(text)) if (!REFERENCE.test(ref)) return ref
  return null
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

/**
 * Renders `{{path}}` templates against `context`. A string that is exactly one template keeps the
 * referenced value's JSON type; templates inside a longer string are substituted as text. Objects
 * and arrays are rendered recursively. A missing reference renders as undefined (whole value) or ''.
 */
export function renderTemplate(value: unknown, context: unknown): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value)
    if (whole) return getPath(context, whole[1]!.trim())
    if (!value.includes('{{')) return value
    return value.replace(ANY, (_, ref: string) => stringify(getPath(context, ref.trim())))
  }
  if (Array.isArray(value)) return value.map((item) => renderTemplate(item, context))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = renderTemplate(item, context)
    return out
  }
  return value
}

/** Renders a template that must produce text (a URL, a header, one command argument). */
export function renderText(text: string, context: unknown): string {
  return stringify(renderTemplate(text, context))
}
