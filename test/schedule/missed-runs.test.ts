import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { ENUMERATION_LIMIT, LISTED_LIMIT, planDueOccurrences } from '../../src/schedule/index.js'
import type { DueInput, ScheduleSpec } from '../../src/schedule/index.js'

const at = (iso: string): Date => new Date(iso)
const isos = (dates: Date[]): string[] => dates.map((d) => d.toISOString())

// Every minute, created at midnight. The runtime last decided 00:05 and comes back at 00:10:00.3.
const everyMinute: ScheduleSpec = { schedule_type: 'cron', cron_expression: '* * * * *', timezone: 'UTC', anchor: at('2025-01-01T00:00:00Z') }
const base: DueInput = { spec: everyMinute, lastNominal: at('2025-01-01T00:05:00Z'), now: at('2025-01-01T00:10:00.300Z'), missedPolicy: 'once', maxCatchup: 3 }
const minutes = (...ms: number[]): string[] => ms.map((m) => `2025-01-01T00:${String(m).padStart(2, '0')}:00.000Z`)

describe('planDueOccurrences', () => {
  it('fires the occurrence due now and nothing else when nothing was missed', () => {
    const plan = planDueOccurrences({ ...base, lastNominal: at('2025-01-01T00:09:00Z') })
    expect(isos(plan.fire)).toEqual(minutes(10))
    expect(plan.skipped).toEqual([])
    expect(plan.capped).toEqual([])
    expect(plan.lastNominal?.toISOString()).toBe(minutes(10)[0])
    expect(plan.next?.toISOString()).toBe(minutes(11)[0])
  })

  it('does nothing before the next occurrence is due, and says when to wake', () => {
    const plan = planDueOccurrences({ ...base, lastNominal: at('2025-01-01T00:10:00Z'), now: at('2025-01-01T00:10:30Z') })
    expect(plan.fire).toEqual([])
    expect(plan.skippedCount + plan.cappedCount).toBe(0)
    expect(plan.lastNominal?.toISOString()).toBe(minutes(10)[0])
    expect(plan.next?.toISOString()).toBe(minutes(11)[0])
  })

  it('skip: fires the one due now, records the missed ones as skipped', () => {
    const plan = planDueOccurrences({ ...base, missedPolicy: 'skip' })
    expect(isos(plan.fire)).toEqual(minutes(10))
    expect(isos(plan.skipped)).toEqual(minutes(6, 7, 8, 9))
    expect(plan.skippedCount).toBe(4)
  })

  it('once: fires the most recent missed one and the one due now', () => {
    const plan = planDueOccurrences(base)
    expect(isos(plan.fire)).toEqual(minutes(9, 10))
    expect(isos(plan.skipped)).toEqual(minutes(6, 7, 8))
    expect(plan.skippedCount).toBe(3)
  })

  it('all: fires the most recent max_catchup missed ones, caps the older ones', () => {
    const plan = planDueOccurrences({ ...base, missedPolicy: 'all' })
    expect(isos(plan.fire)).toEqual(minutes(7, 8, 9, 10))
    expect(isos(plan.capped)).toEqual(minutes(6))
    expect(plan.cappedCount).toBe(1)
    expect(plan.skipped).toEqual([])
    const uncapped = planDueOccurrences({ ...base, missedPolicy: 'all', maxCatchup: 100 })
    expect(isos(uncapped.fire)).toEqual(minutes(6, 7, 8, 9, 10))
    expect(uncapped.cappedCount).toBe(0)
  })

  it('accounts for every occurrence in (lastNominal, now] exactly once', () => {
    for (const missedPolicy of ['skip', 'once', 'all'] as const) {
      const plan = planDueOccurrences({ ...base, missedPolicy })
      const decided = [...plan.fire, ...plan.skipped, ...plan.capped].map((d) => d.getTime()).sort((a, b) => a - b)
      expect(decided.map((t) => new Date(t).toISOString())).toEqual(minutes(6, 7, 8, 9, 10))
      expect(plan.fire.length + plan.skippedCount + plan.cappedCount).toBe(5)
    }
  })

  it('treats an occurrence later than the tolerance as missed, not due now', () => {
    // Back at 00:10:05: 00:10 is 5 s late, past the default 1 s tolerance.
    const late = { ...base, now: at('2025-01-01T00:10:05Z') }
    expect(isos(planDueOccurrences({ ...late, missedPolicy: 'skip' }).fire)).toEqual([])
    expect(isos(planDueOccurrences({ ...late, missedPolicy: 'skip' }).skipped)).toEqual(minutes(6, 7, 8, 9, 10))
    expect(isos(planDueOccurrences({ ...late, missedPolicy: 'once' }).fire)).toEqual(minutes(10))
    expect(isos(planDueOccurrences({ ...late, missedPolicy: 'skip', toleranceMs: 10_000 }).fire)).toEqual(minutes(10))
  })

  it('fires a one-time schedule that came due while down once, or records its skip', () => {
    const once: ScheduleSpec = { schedule_type: 'once', run_at: at('2025-01-01T00:00:02Z'), timezone: 'UTC' }
    const restart = { spec: once, lastNominal: null, now: at('2025-01-01T00:00:30Z'), maxCatchup: 10 }
    expect(isos(planDueOccurrences({ ...restart, missedPolicy: 'once' }).fire)).toEqual(['2025-01-01T00:00:02.000Z'])
    const skipped = planDueOccurrences({ ...restart, missedPolicy: 'skip' })
    expect(skipped.fire).toEqual([])
    expect(isos(skipped.skipped)).toEqual(['2025-01-01T00:00:02.000Z'])
    expect(skipped.next).toBeNull()
  })

  it('before the first run, counts from the creation time, not from the beginning of time', () => {
    const plan = planDueOccurrences({ ...base, lastNominal: null, missedPolicy: 'skip' })
    expect(plan.skippedCount).toBe(9)
    expect(isos(plan.skipped)[0]).toBe(minutes(1)[0])
  })

  it('never fires again when the clock went back behind lastNominal', () => {
    const plan = planDueOccurrences({ ...base, lastNominal: at('2025-01-01T00:20:00Z') })
    expect(plan.fire).toEqual([])
    expect(plan.next?.toISOString()).toBe(minutes(21)[0])
  })

  it('bounds the work for an every-second cron down for a month, and says the count is a lower bound', () => {
    const spec: ScheduleSpec = { schedule_type: 'cron', cron_expression: '* * * * * *', timezone: 'Europe/London', anchor: at('2025-01-01T00:00:00Z') }
    const started = performance.now()
    const plan = planDueOccurrences({ spec, lastNominal: at('2025-01-01T00:00:00Z'), now: at('2025-02-01T00:00:00.200Z'), missedPolicy: 'all', maxCatchup: 50 })
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(plan.fire).toHaveLength(51)
    expect(plan.fire.at(-1)?.toISOString()).toBe('2025-02-01T00:00:00.000Z')
    expect(plan.fire[0]?.toISOString()).toBe('2025-01-31T23:59:10.000Z')
    expect(plan.capped).toHaveLength(LISTED_LIMIT)
    expect(plan.capped.at(-1)?.toISOString()).toBe('2025-01-31T23:59:09.000Z')
    expect(plan.exact).toBe(false)
    expect(plan.cappedCount).toBeGreaterThanOrEqual(ENUMERATION_LIMIT)
    expect(plan.cappedCount).toBeLessThan(31 * 86_400)
  })

  it('counts an interval schedule exactly however long it was down', () => {
    const spec: ScheduleSpec = { schedule_type: 'interval', interval_ms: 200, timezone: 'UTC', anchor: at('2025-01-01T00:00:00Z') }
    const plan = planDueOccurrences({ spec, lastNominal: at('2025-01-01T00:00:00Z'), now: at('2025-01-31T00:00:00.100Z'), missedPolicy: 'skip', maxCatchup: 0 })
    expect(plan.exact).toBe(true)
    expect(isos(plan.fire)).toEqual(['2025-01-31T00:00:00.000Z'])
    expect(plan.skippedCount).toBe(30 * 86_400 * 5 - 1)
    expect(plan.skipped).toHaveLength(LISTED_LIMIT)
  })

  it.each([
    [{ missedPolicy: 'sometimes' }, 'missed_policy'],
    [{ maxCatchup: -1 }, 'max_catchup'],
    [{ maxCatchup: 1.5 }, 'max_catchup'],
    [{ toleranceMs: -1 }, 'tolerance_ms'],
    [{ now: new Date('x') }, 'now'],
    [{ lastNominal: null, spec: { schedule_type: 'cron', cron_expression: '* * * * *', timezone: 'UTC' } }, 'anchor'],
  ])('refuses %j, naming the field', (change, field) => {
    let error: unknown
    try {
      planDueOccurrences({ ...base, ...change } as DueInput)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).field).toBe(field)
  })
})
