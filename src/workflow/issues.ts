import type { z } from 'zod'
import { ValidationError } from '../errors.js'

/** One thing wrong with a definition: the field (`steps[2].next_steps[0]`) and what to do about it. */
export interface DefinitionIssue {
  field: string
  message: string
}

/** `['steps', 2, 'next_steps', 0]` → `steps[2].next_steps[0]`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}

export function zodIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): DefinitionIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path]
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: fieldPath([...path, key]), message: 'unknown key: remove it or check its spelling' }))
    }
    return [{ field: fieldPath(path) || '(definition)', message: issue.message }]
  })
}

/** One ValidationError naming every issue; its `field` is the issue's when there is only one. */
export function definitionError(issues: readonly DefinitionIssue[], cause?: unknown): ValidationError {
  const only = issues.length === 1 ? issues[0] : undefined
  const message = only ? only.message : `${issues.length} problems: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`
  return new ValidationError(only?.field ?? '', message, issues, cause === undefined ? undefined : { cause })
}
