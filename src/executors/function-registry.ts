import { ConflictError, ValidationError } from '../errors.js'
import type { EventRecord } from '../model/event.js'

/** What a registered function is told about the attempt that calls it. */
export interface FunctionContext {
  /** The same for every attempt of one execution: use it to make side effects idempotent. */
  idempotencyKey: string
  attempt: number
  /** Aborted on timeout and on runtime shutdown: stop promptly when it fires. */
  signal: AbortSignal
  event: EventRecord
  executionId: string
}

/** An in-process handler. Throw `FinalError` when retrying cannot help; any other throw is retried. */
export type RegisteredFunction = (input: unknown, ctx: FunctionContext) => unknown

const NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/

/** The functions an embedding service offers to handlers, by dot-separated name (`order.validate`). */
export class FunctionRegistry {
  private readonly functions = new Map<string, RegisteredFunction>()

  /** Throws a ValidationError for a malformed name and a ConflictError when the name is taken. */
  register(name: string, fn: RegisteredFunction): void {
    if (!NAME.test(name)) {
      throw new ValidationError('name', `"${name}" is not a valid function name: use dot-separated words of letters, digits, "_" and "-", such as "order.validate"`)
    }
    if (typeof fn !== 'function') throw new ValidationError('fn', `the function registered as "${name}" is not a function`)
    if (this.functions.has(name)) throw new ConflictError(`a function named "${name}" is already registered`)
    this.functions.set(name, fn)
  }

  get(name: string): RegisteredFunction | undefined {
    return this.functions.get(name)
  }

  has(name: string): boolean {
    return this.functions.has(name)
  }

  names(): string[] {
    return [...this.functions.keys()].sort()
  }
}
