import { z } from 'zod'

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy
/** A workflow wait is at most a year: anything longer is a typo or belongs in a schedule. */
export const MAX_DURATION_MS = 366 * 86_400_000

/**
 * Parses a duration such as `"3s"`, `"10m"`, `"1h30m"` or `"250ms"` into milliseconds; null when
 * the text is not one. (Local to workflows; src/schedule has its own for schedules.)
 */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim()
  if (trimmed === '') return null
  PART.lastIndex = 0
  let total = 0
  let end = 0
  for (let match = PART.exec(trimmed); match; match = PART.exec(trimmed)) {
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
    end = PART.lastIndex
  }
  return end === trimmed.length ? Math.round(total) : null
}

/** A duration string (kept as written, so a definition round-trips) of at most a year. */
export const durationSchema = z.string().superRefine((text, ctx) => {
  const ms = parseDuration(text)
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration: use a number and a unit (ms, s, m, h, d), such as "3s", "10m" or "1h30m"` })
  } else if (ms > MAX_DURATION_MS) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is longer than a year` })
  }
})
