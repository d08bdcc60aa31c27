import { Cron } from 'croner'
import { describe, expect, it } from 'vitest'
import { nextCronTimes, parseCron } from '../../src/schedule/index.js'
import { instantsOf, oracleOccurrences, wallTime } from './dst-oracle.js'

/**
 * Cron across the 2025 clock changes of three zones, checked three ways: against the DST rules
 * (derived here from the wall-clock times, not hard-coded), against a brute-force oracle, and
 * against croner, an independent cron library.
 *
 * Where croner differs, the rules win: croner fires a fixed time inside the skipped hour at the
 * end of the gap (02:30 fires at 03:00), where our rule shifts it by the gap (02:30 fires at 03:30,
 * as cron-parser and cronie do). That is its only difference on this table.
 */

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** The first instant of each change, with the direction; checked against Intl below. */
const CHANGES = [
  { zone: 'America/New_York', at: '2025-03-09T07:00:00Z', kind: 'spring' },
  { zone: 'America/New_York', at: '2025-11-02T06:00:00Z', kind: 'autumn' },
  { zone: 'Europe/London', at: '2025-03-30T01:00:00Z', kind: 'spring' },
  { zone: 'Europe/London', at: '2025-10-26T01:00:00Z', kind: 'autumn' },
  { zone: 'Australia/Sydney', at: '2025-04-05T16:00:00Z', kind: 'autumn' },
  { zone: 'Australia/Sydney', at: '2025-10-04T16:00:00Z', kind: 'spring' },
] as const

type Job =
  | { expression: string; kind: 'fixed'; time: [hour: number, minute: number, second: number]; weekdays: readonly number[] }
  | { expression: string; kind: 'every'; periodMs: number }

const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]
const JOBS: readonly Job[] = [
  { expression: '0 2 * * *', kind: 'fixed', time: [2, 0, 0], weekdays: EVERY_DAY },
  { expression: '30 2 * * *', kind: 'fixed', time: [2, 30, 0], weekdays: EVERY_DAY },
  { expression: '0 1 * * *', kind: 'fixed', time: [1, 0, 0], weekdays: EVERY_DAY },
  { expression: '30 1 * * *', kind: 'fixed', time: [1, 30, 0], weekdays: EVERY_DAY },
  { expression: '*/30 * * * *', kind: 'every', periodMs: HOUR / 2 },
  { expression: '0 * * * *', kind: 'every', periodMs: HOUR },
  { expression: '0 0 * * 0', kind: 'fixed', time: [0, 0, 0], weekdays: [0] },
  { expression: '15 3 * * 1-5', kind: 'fixed', time: [3, 15, 0], weekdays: [1, 2, 3, 4, 5] },
  { expression: '30 15 2 * * *', kind: 'fixed', time: [2, 15, 30], weekdays: EVERY_DAY },
  { expression: '@daily', kind: 'fixed', time: [0, 0, 0], weekdays: EVERY_DAY },
  { expression: '@hourly', kind: 'every', periodMs: HOUR },
]

const offsetAt = (zone: string, instant: number): number => wallTime(zone, instant) - instant
/** The local calendar date of an instant, as a UTC midnight. */
const localDate = (zone: string, instant: number): number => Math.floor(wallTime(zone, instant) / DAY) * DAY

describe.each(CHANGES)('cron across the $kind change of $zone ($at)', ({ zone, at }) => {
  const change = Date.parse(at)
  const gap = offsetAt(zone, change) - offsetAt(zone, change - 1000)
  // Three local days: the day before the change, the day of it, the day after.
  const firstDay = localDate(zone, change) - DAY
  const from = firstDay - 14 * HOUR - 1
  const to = firstDay + 3 * DAY + 12 * HOUR
  const within = (times: Date[]): number[] => times.map((t) => t.getTime()).filter((t) => localDate(zone, t) >= firstDay && localDate(zone, t) < firstDay + 3 * DAY)

  it('is a real change of one hour', () => {
    expect(Math.abs(gap)).toBe(HOUR)
  })

  it.each(JOBS)('$expression follows the DST rules', (job) => {
    const ours = within(nextCronTimes(job.expression, zone, new Date(from), 200))
    if (job.kind === 'every') {
      // Rhythm in real time: constant UTC spacing through the repeated hour, none in the skipped one.
      const spacings = new Set(ours.slice(1).map((t, i) => t - ours[i]!))
      expect([...spacings]).toEqual([job.periodMs])
      expect(ours.length).toBe((3 * DAY - gap) / job.periodMs)
      return
    }
    for (let day = firstDay; day < firstDay + 3 * DAY; day += DAY) {
      const onDay = ours.filter((t) => localDate(zone, t) === day)
      const weekday = new Date(day).getUTCDay()
      // Exactly once on each day it is due, the day of the change included; never on other days.
      expect(onDay.length, new Date(day).toISOString()).toBe(job.weekdays.includes(weekday) ? 1 : 0)
      if (onDay.length === 0) continue
      const fired = onDay[0]!
      const [h, m, s] = job.time
      const nominalWall = day + h * HOUR + m * 60_000 + s * 1000
      const instants = instantsOf(zone, nominalWall)
      if (instants.length === 0) {
        // Inside the skipped hour: shifted forward by the gap (02:30 reads 03:30 on the wall).
        expect(wallTime(zone, fired)).toBe(nominalWall + gap)
      } else {
        // Otherwise at the nominal wall time, and in the repeated hour at its first occurrence.
        expect(fired).toBe(instants[0])
      }
    }
  })

  it.each(JOBS)('$expression agrees with a brute-force walk of every instant', (job) => {
    const stepMs = job.expression.split(' ').length === 6 ? 30_000 : 60_000
    const [start, end] = [change - 30 * HOUR, change + 30 * HOUR]
    const oracle = oracleOccurrences({ expression: job.expression, timeZone: zone, everyHour: job.kind === 'every', stepMs }, start, end)
    const ours = nextCronTimes(job.expression, zone, new Date(start - 1), 200).map((t) => t.getTime()).filter((t) => t < end)
    expect(ours.map((t) => new Date(t).toISOString())).toEqual(oracle.map((t) => new Date(t).toISOString()))
  })

  it.each(JOBS)('$expression agrees with croner, but for the fixed times in a skipped hour', (job) => {
    const ours = nextCronTimes(job.expression, zone, new Date(from), 200).filter((t) => t.getTime() < to)
    const croner = new Cron(job.expression, { timezone: zone })
    const theirs: number[] = []
    for (let t = croner.nextRun(new Date(from)); t && t.getTime() < to; t = croner.nextRun(t)) theirs.push(t.getTime())
    // Croner fires a skipped fixed time at the end of the gap: map ours onto that to compare the rest.
    const inGap = (t: Date): boolean => {
      if (job.kind !== 'fixed') return false
      const [h, m, s] = job.time
      return instantsOf(zone, localDate(zone, t.getTime()) + h * HOUR + m * 60_000 + s * 1000).length === 0
    }
    const skippedAtGapEnd = ours.map((t) => (inGap(t) ? change : t.getTime()))
    expect([...new Set(skippedAtGapEnd)].map((t) => new Date(t).toISOString())).toEqual(theirs.map((t) => new Date(t).toISOString()))
  })

  it.each(JOBS)('$expression gives the same next time from any starting point, and previous() mirrors next()', (job) => {
    const schedule = parseCron(job.expression, zone)
    const all = nextCronTimes(job.expression, zone, new Date(from - 7 * DAY), 800).map((t) => t.getTime())
    // Start every 10 minutes (and inside every gap and repeat): the scheduler restarts at any instant.
    for (let start = change - 4 * HOUR; start < change + 4 * HOUR; start += 10 * 60_000) {
      expect(schedule.next(new Date(start))?.getTime(), new Date(start).toISOString()).toBe(all.find((t) => t > start))
      expect(schedule.previous(new Date(start))?.getTime(), new Date(start).toISOString()).toBe(all.findLast((t) => t < start))
    }
  })
})

describe('cron in zones whose clocks move by 30 minutes or a whole day', () => {
  // cron-parser's own time-zone mode throws "loop limit exceeded" or skips the day here.
  it.each([
    ['15 2 * * *', false],
    ['0 2 * * *', false],
    ['0 * * * *', true],
    ['* 1 * * *', false],
  ] as const)('%s in Australia/Lord_Howe agrees with the brute-force walk', (expression, everyHour) => {
    for (const change of ['2025-04-05T15:00:00Z', '2025-10-04T15:30:00Z']) {
      const from = Date.parse(change) - 30 * HOUR
      const to = Date.parse(change) + 30 * HOUR
      const oracle = oracleOccurrences({ expression, timeZone: 'Australia/Lord_Howe', everyHour, stepMs: 60_000 }, from, to)
      const ours = nextCronTimes(expression, 'Australia/Lord_Howe', new Date(from - 1), 2000).map((t) => t.getTime()).filter((t) => t < to)
      expect(ours).toEqual(oracle)
    }
  })

  it('shifts a job on the day Samoa skipped (30 December 2011) by the whole day', () => {
    const [fired] = nextCronTimes('0 12 30 12 *', 'Pacific/Apia', new Date('2011-12-29T00:00:00Z'), 1)
    // 30 December did not exist in Apia: its noon fires 24 hours later, at noon on the 31st.
    expect(new Date(wallTime('Pacific/Apia', fired!.getTime())).toISOString()).toBe('2011-12-31T12:00:00.000Z')
  })
})
