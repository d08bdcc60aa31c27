/**
 * UTC offsets of an IANA time zone and the instants where they change, read from the platform's
 * Intl data. An offset is what you add to a UTC instant to get the local wall-clock time, in
 * milliseconds (New York in winter: -5 h). All times here are epoch milliseconds.
 *
 * Assumption, true of every zone in the tz database: two offset changes are at least a day apart.
 */

/** A change of offset: from `at` on (inclusive), the zone is `after` ms ahead of UTC instead of `before`. */
export interface Transition {
  at: number
  before: number
  after: number
}

interface YearTable {
  /** Offset at 00:00 UTC on 1 January. */
  offsetAtStart: number
  /** Transitions with `at` in (1 January, next 1 January], in order. */
  transitions: Transition[]
}

const HOUR = 3_600_000
/** Sampling step when looking for changes: narrower than the closest two changes of any zone. */
const SAMPLE_STEP = 12 * HOUR
/** Cached years across all zones before the cache starts again (a year table is ~50 bytes). */
const MAX_CACHED_YEARS = 5_000

const formatters = new Map<string, Intl.DateTimeFormat>()
const years = new Map<string, YearTable>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(timeZone, f)
  }
  return f
}

/** The offset in force at `instant`, asked of Intl directly (slow path; use offsetAt). */
function intlOffset(timeZone: string, instant: number): number {
  const fields: Record<string, number> = {}
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value)
  }
  const wall = new Date(Date.UTC(2000, (fields.month ?? 1) - 1, fields.day ?? 1, fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0))
  wall.setUTCFullYear(fields.year ?? 2000)
  const wholeSecond = instant - (((instant % 1000) + 1000) % 1000)
  return wall.getTime() - wholeSecond
}

function yearStart(year: number): number {
  const d = new Date(Date.UTC(2000, 0, 1))
  d.setUTCFullYear(year)
  return d.getTime()
}

/** Finds the first whole second in (lo, hi] whose offset differs from `before` (lo, hi whole seconds). */
function pinpoint(timeZone: string, lo: number, hi: number, before: number): number {
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000
    if (intlOffset(timeZone, mid) === before) lo = mid
    else hi = mid
  }
  return hi
}

function yearTable(timeZone: string, year: number): YearTable {
  const key = `${timeZone}\n${year}`
  const cached = years.get(key)
  if (cached) return cached
  const start = yearStart(year)
  const end = yearStart(year + 1)
  const offsetAtStart = intlOffset(timeZone, start)
  const transitions: Transition[] = []
  let previous = offsetAtStart
  let lo = start
  for (let t = Math.min(start + SAMPLE_STEP, end); ; t = Math.min(t + SAMPLE_STEP, end)) {
    const offset = intlOffset(timeZone, t)
    if (offset !== previous) {
      transitions.push({ at: pinpoint(timeZone, lo, t, previous), before: previous, after: offset })
      previous = offset
    }
    lo = t
    if (t === end) break
  }
  if (years.size >= MAX_CACHED_YEARS) years.clear()
  const table = { offsetAtStart, transitions }
  years.set(key, table)
  return table
}

function utcYear(instant: number): number {
  return new Date(instant).getUTCFullYear()
}

/** The offset in force at `instant`. */
export function offsetAt(timeZone: string, instant: number): number {
  const table = yearTable(timeZone, utcYear(instant))
  let offset = table.offsetAtStart
  for (const tr of table.transitions) {
    if (tr.at > instant) break
    offset = tr.after
  }
  return offset
}

/** The earliest transition with `after < at <= until`, or null. */
export function firstTransitionBetween(timeZone: string, after: number, until: number): Transition | null {
  for (let year = utcYear(after); year <= utcYear(until); year++) {
    for (const tr of yearTable(timeZone, year).transitions) {
      if (tr.at > until) return null
      if (tr.at > after) return tr
    }
  }
  return null
}

/** The latest transition with `after < at <= until`, or null. */
export function lastTransitionBetween(timeZone: string, after: number, until: number): Transition | null {
  for (let year = utcYear(until); year >= utcYear(after); year--) {
    const transitions = yearTable(timeZone, year).transitions
    for (let i = transitions.length - 1; i >= 0; i--) {
      const tr = transitions[i]!
      if (tr.at <= after) return null
      if (tr.at <= until) return tr
    }
  }
  return null
}
