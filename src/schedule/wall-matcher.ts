import type { CronFieldCollection } from 'cron-parser'

/**
 * Finds the wall-clock times a parsed cron expression matches, with no time zone: wall times are
 * written as UTC milliseconds (09:30 local on 1 March is Date.UTC(y, 2, 1, 9, 30)). Reads the
 * field values cron-parser expanded, and walks them arithmetically: a step costs about a
 * microsecond, where cron-parser's own iteration costs several hundred (it builds Luxon dates).
 *
 * Days: the month must match, then day-of-month and day-of-week as in classic cron: when both are
 * restricted either may match, otherwise the restricted one must (`L` is the last day of the
 * month, `5L` the last Friday, `1#2` the second Monday).
 */

const DAY_SECONDS = 86_400
/** How far to look for a matching day before concluding there is none (a 29 February that is a Monday: 28 years). */
const MAX_DAYS = 400 * 366

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate()
}

/** Index of the first value >= v in an ascending list, or the list's length. */
function firstAtLeast(sorted: readonly number[], v: number): number {
  let i = 0
  while (i < sorted.length && sorted[i]! < v) i++
  return i
}

/** Index of the last value <= v in an ascending list, or -1. */
function lastAtMost(sorted: readonly number[], v: number): number {
  let i = sorted.length - 1
  while (i >= 0 && sorted[i]! > v) i--
  return i
}

export class WallMatcher {
  private readonly seconds: number[]
  private readonly minutes: number[]
  private readonly hours: number[]
  private readonly months: Set<number>
  private readonly days: Set<number>
  private readonly lastDay: boolean
  private readonly weekdays: Set<number>
  private readonly lastWeekdays: Set<number>
  private readonly nth: number
  private readonly anyDay: boolean
  private readonly anyWeekday: boolean

  constructor(fields: CronFieldCollection) {
    const numbers = (values: readonly (number | string)[]): number[] =>
      values.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b)
    this.seconds = numbers(fields.second.values)
    this.minutes = numbers(fields.minute.values)
    this.hours = numbers(fields.hour.values)
    this.months = new Set(numbers(fields.month.values))
    this.days = new Set(numbers(fields.dayOfMonth.values))
    this.lastDay = fields.dayOfMonth.values.includes('L')
    this.weekdays = new Set(numbers(fields.dayOfWeek.values).map((d) => d % 7))
    const lastWeekdays = fields.dayOfWeek.values.map(String).filter((v) => v.endsWith('L'))
    this.lastWeekdays = new Set(lastWeekdays.map((v) => Number(v.slice(0, -1)) % 7))
    this.nth = fields.dayOfWeek.nthDay
    this.anyDay = fields.dayOfMonth.isWildcard
    this.anyWeekday = fields.dayOfWeek.isWildcard
  }

  /** Whether the day `day` (days since 1970-01-01) matches the day fields. */
  matchesDay(day: number): boolean {
    const date = new Date(day * DAY_SECONDS * 1000)
    if (!this.months.has(date.getUTCMonth() + 1)) return false
    if (this.anyDay && this.anyWeekday) return true
    const dayOfMonth = date.getUTCDate()
    const weekday = date.getUTCDay()
    const length = daysInMonth(date.getUTCFullYear(), date.getUTCMonth())
    const byDay = this.days.has(dayOfMonth) || (this.lastDay && dayOfMonth === length)
    const byWeekday =
      (this.weekdays.has(weekday) && (this.nth === 0 || Math.ceil(dayOfMonth / 7) === this.nth)) ||
      (this.lastWeekdays.has(weekday) && dayOfMonth + 7 > length)
    if (this.anyDay) return byWeekday
    if (this.anyWeekday) return byDay
    return byDay || byWeekday
  }

  /** The first matching wall time strictly after `wall`, or null if none within MAX_DAYS. */
  after(wall: number): number | null {
    const start = Math.floor(wall / 1000) + 1
    let day = Math.floor(start / DAY_SECONDS)
    const time = this.matchesDay(day) ? this.timeAtOrAfter(start - day * DAY_SECONDS) : null
    if (time !== null) return (day * DAY_SECONDS + time) * 1000
    for (const end = day + MAX_DAYS; ++day < end; ) {
      if (this.matchesDay(day)) return (day * DAY_SECONDS + this.timeAtOrAfter(0)!) * 1000
    }
    return null
  }

  /** The last matching wall time strictly before `wall`, or null if none within MAX_DAYS. */
  before(wall: number): number | null {
    const end = Math.ceil(wall / 1000) - 1
    let day = Math.floor(end / DAY_SECONDS)
    const time = this.matchesDay(day) ? this.timeAtOrBefore(end - day * DAY_SECONDS) : null
    if (time !== null) return (day * DAY_SECONDS + time) * 1000
    for (const stop = day - MAX_DAYS; --day > stop; ) {
      if (this.matchesDay(day)) return (day * DAY_SECONDS + this.timeAtOrBefore(DAY_SECONDS - 1)!) * 1000
    }
    return null
  }

  /** The earliest matching second of a day at or after `t` (seconds since midnight), or null. */
  private timeAtOrAfter(t: number): number | null {
    const [h, m, s] = [Math.floor(t / 3600), Math.floor((t % 3600) / 60), t % 60]
    for (let i = firstAtLeast(this.hours, h); i < this.hours.length; i++) {
      const hour = this.hours[i]!
      for (let j = hour === h ? firstAtLeast(this.minutes, m) : 0; j < this.minutes.length; j++) {
        const minute = this.minutes[j]!
        const k = hour === h && minute === m ? firstAtLeast(this.seconds, s) : 0
        if (k < this.seconds.length) return hour * 3600 + minute * 60 + this.seconds[k]!
      }
    }
    return null
  }

  /** The latest matching second of a day at or before `t` (seconds since midnight), or null. */
  private timeAtOrBefore(t: number): number | null {
    const [h, m, s] = [Math.floor(t / 3600), Math.floor((t % 3600) / 60), t % 60]
    for (let i = lastAtMost(this.hours, h); i >= 0; i--) {
      const hour = this.hours[i]!
      for (let j = hour === h ? lastAtMost(this.minutes, m) : this.minutes.length - 1; j >= 0; j--) {
        const minute = this.minutes[j]!
        const k = hour === h && minute === m ? lastAtMost(this.seconds, s) : this.seconds.length - 1
        if (k >= 0) return hour * 3600 + minute * 60 + this.seconds[k]!
      }
    }
    return null
  }
}
