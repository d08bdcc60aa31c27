import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { nextCronTimes, parseCron } from '../../src/schedule/index.js'

function errorOf(run: () => unknown): ValidationError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return error as ValidationError
  }
  throw new Error('expected a ValidationError')
}

describe('cron expressions that are refused name what is wrong', () => {
  it.each([
    ['0 0 * * * * *', 'cron: expected 5 or 6 fields (minute hour day-of-month month day-of-week, optionally seconds first), got 7'],
    ['* * * *', 'got 4'],
    ['', 'cron: expression is empty'],
    ['61 * * * *', 'cron: minute field "61" out of range 0-59'],
    ['0 24 * * *', 'cron: hour field "24" out of range 0-23'],
    ['0 0 0 * *', 'cron: day-of-month field "0" out of range 1-31'],
    ['0 0 * 13 *', 'cron: month field "13" out of range 1-12'],
    ['0 0 * * 8', 'cron: day-of-week field "8" out of range 0-7'],
    ['60 0 0 * * *', 'cron: second field "60" out of range 0-59'],
    ['0,5-61 * * * *', 'cron: minute field "0,5-61": 61 out of range 0-59'],
    ['*/0 * * * *', 'cron: minute field "*/0": step "0" must be a whole number from 1 to 60'],
    ['0 22-2 * * *', 'cron: hour field "22-2": range start 22 is after its end 2'],
    ['0 0 * FOO *', 'cron: month field "FOO": "FOO" is not a number (use 1-12 or names such as JAN)'],
    ['0 0 * * MON,', 'cron: day-of-week field "MON," has an empty list item'],
    ['0 ? * * *', 'cron: hour field "?": "?" is only allowed in day-of-month and day-of-week'],
    ['H * * * *', 'cron: minute field "H": H (hashed values) is not supported'],
    ['0 0 30 2 *', 'cron: day-of-month field "30" never occurs in the chosen months (month field "2")'],
    ['0 0 31 4,6,9,11 *', 'never occurs'],
    ['0 0 * * 1#6', 'cron: day-of-week field "1#6": occurrence #6 out of range 1-5'],
    ['0 0 * * 1#2,3', 'cannot be combined with other days'],
    ['@reboot', 'cron: @reboot is not supported'],
    ['@fortnightly', 'cron: unknown macro "@fortnightly": use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly'],
    ['0 0 * * 1 extra', 'cron: day-of-week field "extra"'],
  ])('%j', (expression, message) => {
    const error = errorOf(() => parseCron(expression, 'UTC'))
    expect(error.field).toBe('cron')
    expect(error.message).toContain(message)
  })

  it('refuses a time zone that is not an IANA name, naming the field', () => {
    const error = errorOf(() => parseCron('0 2 * * *', 'Mars/Olympus_Mons'))
    expect(error.field).toBe('timezone')
    expect(error.message).toContain('"Mars/Olympus_Mons" is not a valid IANA time zone name')
  })

  it('refuses a count outside 0..10000 and an invalid start', () => {
    expect(errorOf(() => nextCronTimes('0 2 * * *', 'UTC', new Date(), 10_001)).field).toBe('count')
    expect(errorOf(() => nextCronTimes('0 2 * * *', 'UTC', new Date('nope'), 1)).field).toBe('from')
  })
})

describe('cron expressions that are accepted', () => {
  const from = new Date('2025-01-01T00:00:00Z')
  const next = (expression: string, count = 3): string[] => nextCronTimes(expression, 'UTC', from, count).map((d) => d.toISOString())

  it('reads 5 fields with minute precision and 6 with seconds first', () => {
    expect(next('30 2 * * *', 2)).toEqual(['2025-01-01T02:30:00.000Z', '2025-01-02T02:30:00.000Z'])
    expect(next('*/20 * * * * *', 3)).toEqual(['2025-01-01T00:00:20.000Z', '2025-01-01T00:00:40.000Z', '2025-01-01T00:01:00.000Z'])
    expect(parseCron('30 2 * * *', 'UTC').hasSeconds).toBe(false)
    expect(parseCron('0 30 2 * * *', 'UTC').hasSeconds).toBe(true)
  })

  it('gives times strictly after the start', () => {
    expect(nextCronTimes('0 0 * * *', 'UTC', new Date('2025-01-01T00:00:00Z'), 1)[0]?.toISOString()).toBe('2025-01-02T00:00:00.000Z')
    expect(nextCronTimes('* * * * * *', 'UTC', new Date('2025-01-01T00:00:00.500Z'), 1)[0]?.toISOString()).toBe('2025-01-01T00:00:01.000Z')
  })

  it.each([
    ['@yearly', '2026-01-01T00:00:00.000Z'],
    ['@annually', '2026-01-01T00:00:00.000Z'],
    ['@monthly', '2025-02-01T00:00:00.000Z'],
    ['@weekly', '2025-01-05T00:00:00.000Z'],
    ['@daily', '2025-01-02T00:00:00.000Z'],
    ['@midnight', '2025-01-02T00:00:00.000Z'],
    ['@hourly', '2025-01-01T01:00:00.000Z'],
    ['@DAILY', '2025-01-02T00:00:00.000Z'],
  ])('reads the macro %s', (macro, first) => {
    expect(next(macro, 1)).toEqual([first])
  })

  it('reads names, 7 as Sunday, overlapping lists, L and nth weekdays', () => {
    expect(next('0 9 * JAN-FEB MON-FRI', 2)).toEqual(['2025-01-01T09:00:00.000Z', '2025-01-02T09:00:00.000Z'])
    expect(next('0 0 * * 0,7', 1)).toEqual(['2025-01-05T00:00:00.000Z'])
    expect(next('0 1-5,3 * * *', 3)).toEqual(['2025-01-01T01:00:00.000Z', '2025-01-01T02:00:00.000Z', '2025-01-01T03:00:00.000Z'])
    expect(next('0 0 L * *', 2)).toEqual(['2025-01-31T00:00:00.000Z', '2025-02-28T00:00:00.000Z'])
    expect(next('0 0 * * 5L', 1)).toEqual(['2025-01-31T00:00:00.000Z'])
    expect(next('0 0 * * MON#2', 1)).toEqual(['2025-01-13T00:00:00.000Z'])
    expect(next('0 0 29 2 *', 1)).toEqual(['2028-02-29T00:00:00.000Z'])
  })

  it('fires when either day field matches if both are restricted (classic cron)', () => {
    // The 15th, or any Monday.
    expect(next('0 0 15 * 1', 3)).toEqual(['2025-01-06T00:00:00.000Z', '2025-01-13T00:00:00.000Z', '2025-01-15T00:00:00.000Z'])
  })

  it('reads a step from a start value to the end of the field', () => {
    expect(next('50/5 * * * *', 3)).toEqual(['2025-01-01T00:50:00.000Z', '2025-01-01T00:55:00.000Z', '2025-01-01T01:50:00.000Z'])
  })

  it('treats only an hour field admitting every hour as keeping real-time rhythm', () => {
    expect(parseCron('*/30 * * * *', 'UTC').everyHour).toBe(true)
    expect(parseCron('0 0-23 * * *', 'UTC').everyHour).toBe(true)
    expect(parseCron('0 */2 * * *', 'UTC').everyHour).toBe(false)
    expect(parseCron('@hourly', 'UTC').everyHour).toBe(true)
    expect(parseCron('@daily', 'UTC').everyHour).toBe(false)
  })

  it('walks back with previous()', () => {
    expect(parseCron('0 2 * * *', 'UTC').previous(new Date('2025-01-01T02:00:00Z'))?.toISOString()).toBe('2024-12-31T02:00:00.000Z')
  })
})
