import { describe, expect, it } from 'vitest'
import { ConflictError, UnsupportedError, ValidationError } from '../../src/errors.js'
import { createFunctionExecutor } from '../../src/executors/function.js'
import { FunctionRegistry } from '../../src/executors/function-registry.js'

describe('function registry', () => {
  it('registers functions by dot-separated name, once', () => {
    const registry = new FunctionRegistry()
    const validate = async () => ({ ok: true })
    registry.register('order.validate', validate)
    expect(registry.has('order.validate')).toBe(true)
    expect(registry.get('order.validate')).toBe(validate)
    expect(registry.get('order.ship')).toBeUndefined()
    expect(() => registry.register('order.validate', validate)).toThrow(ConflictError)
    expect(() => registry.register('order validate', validate)).toThrow(ValidationError)
    expect(() => registry.register('order..validate', validate)).toThrow(/not a valid function name/)
  })

  it('refuses a handler naming a function that is not registered, naming configuration.function', () => {
    const registry = new FunctionRegistry()
    registry.register('order.validate', () => true)
    const executor = createFunctionExecutor(registry)
    expect(executor.validateConfig({ function: 'order.validate' })).toEqual({ function: 'order.validate' })
    try {
      executor.validateConfig({ function: 'order.ship' })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError)
      expect((err as ValidationError).field).toBe('configuration.function')
      expect((err as ValidationError).message).toMatch(/no function named "order.ship" is registered \(known: order.validate\)/)
    }
    expect(() => executor.validateConfig({ function: 'order.validate', retries: 2 })).toThrow(/configuration\.retries/)
  })

  it('refuses every function handler when executors.function.enabled is false', () => {
    const executor = createFunctionExecutor(new FunctionRegistry(), { enabled: false })
    expect(() => executor.validateConfig({ function: 'x' })).toThrow(UnsupportedError)
  })
})
