import type { z } from 'zod'

/** Every error the runtime raises on purpose carries a stable code; the CLI maps codes to exit status. */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'unsupported'
  | 'unavailable'
  | 'execution_failed'
  | 'internal'

export class SpError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SpError'
    this.code = code
  }
}

/** Bad input: names the field at fault. Nothing was changed. */
export class ValidationError extends SpError {
  readonly field: string
  readonly issues: readonly { field: string; message: string }[]
  constructor(field: string, message: string, issues?: readonly { field: string; message: string }[], options?: ErrorOptions) {
    super('invalid_input', field ? `${field}: ${message}` : message, options)
    this.name = 'ValidationError'
    this.field = field
    this.issues = issues ?? [{ field, message }]
  }

  /** Turns a zod error into a ValidationError naming every field at fault, prefixed by `where`. */
  static fromZod(error: z.ZodError, where = ''): ValidationError {
    const issues = error.issues.flatMap((issue) => {
      const base = [where, ...issue.path.map(String)].filter(Boolean)
      // Name each unknown key as its own field, so the message points at it.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ field: [...base, key].join('.'), message: 'unknown key: remove it or check its spelling' }))
      }
      return [{ field: base.join('.') || '(input)', message: issue.message }]
    })
    const first = issues[0] ?? { field: where, message: 'invalid' }
    const message = issues.length === 1 ? first.message : issues.map((i) => `${i.field}: ${i.message}`).join('; ')
    const error2 = new ValidationError(issues.length === 1 ? first.field : '', message, issues, { cause: error })
    return error2
  }
}

export class NotFoundError extends SpError {
  constructor(what: string, id: string) {
    super('not_found', `${what} "${id}" not found`)
    this.name = 'NotFoundError'
  }
}

export class ConflictError extends SpError {
  constructor(message: string) {
    super('conflict', message)
    this.name = 'ConflictError'
  }
}

/** A feature that is refused: disabled in config, or too new for the connected server. */
export class UnsupportedError extends SpError {
  constructor(message: string) {
    super('unsupported', message)
    this.name = 'UnsupportedError'
  }
}

export class UnavailableError extends SpError {
  constructor(message: string, options?: ErrorOptions) {
    super('unavailable', message, options)
    this.name = 'UnavailableError'
  }
}

/** Parses `input` with `schema`, throwing a ValidationError that names the field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = ''): z.output<S> {
  const result = schema.safeParse(input)
  if (!result.success) throw ValidationError.fromZod(result.error, where)
  return result.data
}
