import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { nextOccurrence, occurrencesOf, previousOccurrence } from '../../src/schedule/index.js'
import type { ScheduleSpec } from '../../src/schedule/index.js'

const at = (iso: string): Date => new Date(iso)
const iso = (d: Date | null): string | null => d?.toISOString() ?? null

/** The first `count` occurrences after `from`, each asked for strictly after the previous one. */
function walk(spec: ScheduleSpec, from: Date, count: number): string[] {
  const out: string[] = []
  for (let t = nextOccurrence(spec, from); t && out.length < count; t = nextOccurrence(spec, t)) out.push(t.toISOString())
  return out
}

describe('interval schedules', () => {
  const every200 = { schedule_type: 'interval', interval_ms: 200, timezone: 'UTC', anchor: at('2025-01-01T00:00:00.050Z') } as const

  it('fire at anchor + k * interval, the first one interval after creation', () => {
    expect(walk(every200, at('2025-01-01T00:00:00.050Z'), 3)).toEqual(['2025-01-01T00:00:00.250Z', '2025-01-01T00:00:00.450Z', '2025-01-01T00:00:00.650Z'])
  })

  it('never drift: however late a run was, the next nominal time stays on the grid', () => {
    // The run due at .250 actually ran at .390: the next is still .450, not .590.
    expect(iso(nextOccurrence(every200, at('2025-01-01T00:00:00.390Z')))).toBe('2025-01-01T00:00:00.450Z')
    // A day later, still on the grid: 432,000 periods of 200 ms.
    expect(iso(nextOccurrence(every200, at('2025-01-02T00:00:00.000Z')))).toBe('2025-01-02T00:00:00.050Z')
    const hundredThousandth = nextOccurrence(every200, new Date(every200.anchor.getTime() + 99_999 * 200))
    expect(hundredThousandth!.getTime() - every200.anchor.getTime()).toBe(100_000 * 200)
  })

  it('take the next time strictly after the one given, even on the grid', () => {
    expect(iso(nextOccurrence(every200, at('2025-01-01T00:00:00.450Z')))).toBe('2025-01-01T00:00:00.650Z')
  })

  it('with start_at, start at start_at itself and keep its grid', () => {
    const spec: ScheduleSpec = { schedule_type: 'interval', interval_ms: 60_000, timezone: 'UTC', start_at: at('2025-01-01T09:00:00Z'), anchor: at('2025-01-01T08:00:00Z') }
    expect(walk(spec, at('2025-01-01T08:00:00Z'), 2)).toEqual(['2025-01-01T09:00:00.000Z', '2025-01-01T09:01:00.000Z'])
  })

  it('do not fire the past of a schedule created after its start_at', () => {
    const spec: ScheduleSpec = { schedule_type: 'interval', interval_ms: 60_000, timezone: 'UTC', start_at: at('2025-01-01T09:00:00Z'), anchor: at('2025-01-01T09:02:30Z') }
    expect(iso(nextOccurrence(spec, at('2025-01-01T00:00:00Z')))).toBe('2025-01-01T09:03:00.000Z')
  })

  it('stop at end_at, which is inclusive', () => {
    const spec: ScheduleSpec = { ...every200, end_at: at('2025-01-01T00:00:00.650Z') }
    expect(walk(spec, at('2025-01-01T00:00:00Z'), 10)).toEqual(['2025-01-01T00:00:00.250Z', '2025-01-01T00:00:00.450Z', '2025-01-01T00:00:00.650Z'])
    expect(nextOccurrence(spec, at('2025-01-01T00:00:00.650Z'))).toBeNull()
  })

  it('walk back with previous, and count without listing', () => {
    expect(iso(previousOccurrence(every200, at('2025-01-01T00:00:00.450Z')))).toBe('2025-01-01T00:00:00.250Z')
    expect(previousOccurrence(every200, at('2025-01-01T00:00:00.250Z'))).toBeNull()
    expect(occurrencesOf(every200).count!(every200.anchor, at('2025-01-31T00:00:00.050Z'))).toBe(30 * 86_400 * 5)
  })
})

describe('once schedules', () => {
  const once: ScheduleSpec = { schedule_type: 'once', run_at: at('2025-06-01T12:00:00Z'), timezone: 'UTC' }

  it('have exactly one occurrence', () => {
    expect(walk(once, at('2025-01-01T00:00:00Z'), 5)).toEqual(['2025-06-01T12:00:00.000Z'])
    expect(nextOccurrence(once, at('2025-06-01T12:00:00Z'))).toBeNull()
    expect(iso(previousOccurrence(once, at('2025-07-01T00:00:00Z')))).toBe('2025-06-01T12:00:00.000Z')
  })

  it('ignore the anchor, so one created a moment after its time still fires', () => {
    expect(iso(nextOccurrence({ ...once, anchor: at('2025-06-01T12:00:00.010Z') }, at('2025-01-01T00:00:00Z')))).toBe('2025-06-01T12:00:00.000Z')
  })

  it('refuse a run_at outside start_at..end_at', () => {
    expect(() => nextOccurrence({ ...once, end_at: at('2025-05-01T00:00:00Z') }, at('2025-01-01T00:00:00Z'))).toThrow(/^run_at: lies outside/)
  })
})

describe('cron schedules', () => {
  const daily: ScheduleSpec = { schedule_type: 'cron', cron_expression: '0 2 * * *', timezone: 'Europe/London' }

  it('read the expression in the schedule time zone', () => {
    expect(walk(daily, at('2025-07-01T00:00:00Z'), 2)).toEqual(['2025-07-01T01:00:00.000Z', '2025-07-02T01:00:00.000Z'])
  })

  it('respect start_at (inclusive), end_at (inclusive) and the anchor (exclusive)', () => {
    const bounded: ScheduleSpec = { ...daily, start_at: at('2025-07-02T01:00:00Z'), end_at: at('2025-07-04T01:00:00Z') }
    expect(walk(bounded, at('2025-01-01T00:00:00Z'), 10)).toEqual(['2025-07-02T01:00:00.000Z', '2025-07-03T01:00:00.000Z', '2025-07-04T01:00:00.000Z'])
    expect(iso(previousOccurrence(bounded, at('2026-01-01T00:00:00Z')))).toBe('2025-07-04T01:00:00.000Z')
    expect(previousOccurrence(bounded, at('2025-07-02T01:00:00Z'))).toBeNull()
    const created: ScheduleSpec = { ...daily, anchor: at('2025-07-02T01:00:00Z') }
    expect(iso(nextOccurrence(created, at('2025-01-01T00:00:00Z')))).toBe('2025-07-03T01:00:00.000Z')
  })
})

describe('invalid schedules are refused, naming the field', () => {
  it.each([
    [{ schedule_type: 'weekly', timezone: 'UTC' }, 'schedule_type'],
    [{ schedule_type: 'cron', cron_expression: '0 2 * * *', timezone: 'Nowhere/City' }, 'timezone'],
    [{ schedule_type: 'cron', timezone: 'UTC' }, 'cron'],
    [{ schedule_type: 'cron', cron_expression: '0 25 * * *', timezone: 'UTC' }, 'cron'],
    [{ schedule_type: 'interval', interval_ms: 0, timezone: 'UTC', anchor: new Date() }, 'interval_ms'],
    [{ schedule_type: 'interval', interval_ms: -5, timezone: 'UTC', anchor: new Date() }, 'interval_ms'],
    [{ schedule_type: 'interval', interval_ms: 1.5, timezone: 'UTC', anchor: new Date() }, 'interval_ms'],
    [{ schedule_type: 'interval', interval_ms: 1000, timezone: 'UTC' }, 'start_at'],
    [{ schedule_type: 'once', timezone: 'UTC' }, 'run_at'],
    [{ schedule_type: 'once', run_at: new Date('x'), timezone: 'UTC' }, 'run_at'],
    [{ schedule_type: 'interval', interval_ms: 1000, timezone: 'UTC', start_at: at('2025-02-01T00:00:00Z'), end_at: at('2025-01-01T00:00:00Z') }, 'end_at'],
  ])('%j', (spec, field) => {
    let error: unknown
    try {
      nextOccurrence(spec as ScheduleSpec, new Date())
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).field).toBe(field)
  })
})
