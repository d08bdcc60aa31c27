import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { durationSchema, parseDuration } from '../../src/schedule/index.js'

describe('parseDuration', () => {
  it.each([
    [1500, 1500],
    ['1500', 1500],
    [' 250 ', 250],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['1.5s', 1500],
    ['1.1s', 1100],
    ['0.5h', 1_800_000],
  ] as const)('reads %j as %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms)
  })

  it.each([
    [0, 'positive'],
    [-5, 'positive'],
    ['0s', 'positive'],
    [1.5, 'whole number of milliseconds'],
    ['0.5ms', 'whole number of milliseconds'],
    [Number.NaN, 'positive'],
    [Infinity, 'positive'],
    ['', 'not a duration'],
    ['5x', 'cannot read "5x"'],
    ['five minutes', 'not a duration'],
    ['-5s', 'not a duration'],
    ['30m1h', 'largest to smallest'],
    ['5m5m', 'largest to smallest'],
    ['1e3', 'not a duration'],
    ['99999999999d', 'too long'],
  ] as const)('refuses %j, saying it is %s', (input, phrase) => {
    let error: unknown
    try {
      parseDuration(input)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).field).toBe('duration')
    expect((error as ValidationError).message).toContain(phrase)
  })

  it('names the field it is given', () => {
    expect(() => parseDuration('soon', 'interval')).toThrow(/^interval: "soon" is not a duration/)
  })
})

describe('durationSchema', () => {
  it('transforms to milliseconds', () => {
    expect(durationSchema.parse('1h30m')).toBe(5_400_000)
    expect(durationSchema.parse(200)).toBe(200)
  })

  it('reports a clear message as a zod issue', () => {
    const result = durationSchema.safeParse('5 minutes')
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.message).toMatch(/^"5 minutes" is not a duration .*30s, 5m/)
  })
})
