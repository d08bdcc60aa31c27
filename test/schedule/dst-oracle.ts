import { Cron } from 'croner'

/**
 * A brute-force restatement of the DST rules of src/schedule/cron.ts, for tests: it visits every
 * instant of a window one step at a time, reads its wall-clock time with Intl, and asks croner
 * (in UTC, so with no DST logic of its own) whether the wall time matches. Slow and obviously
 * right, which is what the fast walk in cron.ts is checked against.
 */

const formatters = new Map<string, Intl.DateTimeFormat>()
const memo = new Map<string, number>()

/** The local wall-clock time of `instant` in `timeZone`, written as if it were UTC. */
export function wallTime(timeZone: string, instant: number): number {
  const key = `${timeZone} ${instant}`
  const known = memo.get(key)
  if (known !== undefined) return known
  if (memo.size > 1_000_000) memo.clear()
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    formatters.set(timeZone, f)
  }
  const p: Record<string, number> = {}
  for (const part of f.formatToParts(instant)) if (part.type !== 'literal') p[part.type] = Number(part.value)
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!)
  memo.set(key, wall)
  return wall
}

const DAY = 86_400_000

/** Every instant whose wall-clock time in `timeZone` is `wall`, earliest first (0, 1 or 2 of them). */
export function instantsOf(timeZone: string, wall: number): number[] {
  const offsets = new Set([-DAY, 0, DAY].map((d) => wallTime(timeZone, wall + d) - (wall + d)))
  return [...offsets].map((o) => wall - o).filter((q) => wallTime(timeZone, q) === wall).sort((a, b) => a - b)
}

export interface OracleCase {
  expression: string
  timeZone: string
  /** Whether the hour field admits every hour (the rhythm-in-real-time rule). */
  everyHour: boolean
  /** Step between visited instants; every occurrence must be a multiple of it. */
  stepMs: number
}

/** The occurrences in [from, to) by the rules, found by visiting every step. */
export function oracleOccurrences({ expression, timeZone, everyHour, stepMs }: OracleCase, from: number, to: number): number[] {
  const cron = new Cron(expression, { timezone: 'UTC' })
  const matches = (wall: number): boolean => cron.match(new Date(wall))
  const found: number[] = []
  for (let p = from; p < to; p += stepMs) {
    const wall = wallTime(timeZone, p)
    const offset = wall - p
    // A wall time that exists fires at its first instant (every instant, for every-hour jobs).
    let fires = matches(wall) && (everyHour || instantsOf(timeZone, wall)[0] === p)
    // A skipped wall time of a fixed-time job fires at the instant it names with the offset before the gap.
    if (!fires && !everyHour) {
      const before = wallTime(timeZone, p - DAY) - (p - DAY)
      const skipped = p + before
      fires = before < offset && instantsOf(timeZone, skipped).length === 0 && matches(skipped)
    }
    if (fires) found.push(p)
  }
  return found
}
