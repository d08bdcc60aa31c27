import type { z } from 'zod'
import { ValidationError } from '../errors.js'
import type { inputSpecSchema, WorkflowDefinition } from './definition.js'

type InputSpec = z.output<typeof inputSpecSchema>

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer'
  return typeof value
}

function fits(spec: InputSpec, value: unknown): boolean {
  const actual = typeOf(value)
  if (spec.type === 'any') return true
  if (spec.type === 'number') return actual === 'number' || actual === 'integer'
  return actual === spec.type
}

/**
 * Checks an execution's input against the definition's `inputs` and fills in defaults. Without
 * declared inputs any object passes; with them, unknown names are refused (a typo would otherwise
 * render as an empty template). Errors name the field as `input.<name>`.
 */
export function resolveWorkflowInput(definition: WorkflowDefinition, input: unknown): Record<string, unknown> {
  const value = input ?? {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValidationError('input', 'must be a JSON object')
  const given = value as Record<string, unknown>
  const specs = definition.inputs
  if (!specs) return { ...given }
  const issues: { field: string; message: string }[] = []
  const out: Record<string, unknown> = {}
  for (const name of Object.keys(given)) {
    if (!(name in specs)) issues.push({ field: `input.${name}`, message: `unknown input: "${definition.id}" takes ${Object.keys(specs).join(', ') || 'none'}` })
  }
  for (const [name, spec] of Object.entries(specs)) {
    const supplied = given[name] !== undefined
    const item = supplied ? given[name] : spec.default
    if (item === undefined) {
      if (spec.required) issues.push({ field: `input.${name}`, message: 'is required' })
      continue
    }
    if (!fits(spec, item)) issues.push({ field: `input.${name}`, message: `must be ${spec.type === 'integer' || spec.type === 'array' || spec.type === 'object' ? 'an' : 'a'} ${spec.type}, not ${typeOf(item)}` })
    out[name] = item
  }
  if (issues.length > 0) {
    const only = issues.length === 1 ? issues[0] : undefined
    throw new ValidationError(only?.field ?? '', only?.message ?? issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues)
  }
  return out
}
