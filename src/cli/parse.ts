import { ValidationError } from '../errors.js'

/** Parses a JSON option value; the error names the option. */
export function jsonOption(value: string | undefined, option: string): unknown {
  if (value === undefined) return undefined
  try {
    return JSON.parse(value)
  } catch (err) {
    throw new ValidationError(option, `not valid JSON (${(err as Error).message}); quote it in the shell, such as '{"key":"value"}'`)
  }
}

/** Parses a whole-number option value; the error names the option. */
export function intOption(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^-?\d+$/.test(value.trim())) throw new ValidationError(option, `must be a whole number, got "${value}"`)
  return Number(value)
}
