import type { z } from 'zod'
import { parseInput, UnsupportedError, ValidationError } from '../errors.js'
import { findBadTemplate } from '../model/template.js'

/** Refuses registration for an executor switched off in config. */
export function assertEnabled(type: string, enabled: boolean): void {
  if (!enabled) {
    throw new UnsupportedError(
      `executors.${type}.enabled is false in config/modules.json: ${type} handlers cannot be registered or run; set it to true to use them`,
    )
  }
}

/** Parses a handler's `configuration` object, naming fields as `configuration.<field>`. */
export function parseConfiguration<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  return parseInput(schema, input, 'configuration')
}

/** Throws a ValidationError naming the first malformed `{{template}}` inside `value`. */
export function checkTemplates(value: unknown, field: string): void {
  if (typeof value === 'string') {
    const bad = findBadTemplate(value)
    if (bad !== null) {
      throw new ValidationError(field, `malformed template "${bad}": use {{event.data.<path>}} with dot-separated names`)
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkTemplates(item, `${field}.${i}`))
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) checkTemplates(item, `${field}.${key}`)
  }
}

/** Tries to parse `text` as JSON; returns the text itself when it is not JSON. */
export function parseJsonOrText(text: string): unknown {
  const trimmed = text.trim()
  if (trimmed === '') return text
  try {
    return JSON.parse(trimmed) as unknown
  } catch {
    return text
  }
}
