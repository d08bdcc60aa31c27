import { z } from 'zod'
import { ValidationError } from '../errors.js'

/**
 * Durations as people write them: milliseconds as a number or digit string (`1500`), or numbers
 * with units, largest first, each unit at most once: `500ms`, `30s`, `5m`, `1h`, `2d`, `1h30m`,
 * `1.5s`. The result is a positive whole number of milliseconds; anything else is refused.
 */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const
type Unit = keyof typeof UNIT_MS
const UNIT_ORDER: readonly Unit[] = ['d', 'h', 'm', 's', 'ms']
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/y

const HELP = 'use milliseconds (1500) or numbers with units, largest first: 500ms, 30s, 5m, 1h, 2d, 1h30m'

function checked(ms: number, text: string, field: string): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new ValidationError(field, `${text} is not a positive duration: ${HELP}`)
  if (!Number.isInteger(ms)) throw new ValidationError(field, `${text} is not a whole number of milliseconds`)
  if (!Number.isSafeInteger(ms)) throw new ValidationError(field, `${text} is too long`)
  return ms
}

/**
 * Parses a duration into milliseconds. Throws ValidationError(field) on anything that is not a
 * positive whole number of milliseconds, naming the input and the accepted forms.
 */
export function parseDuration(text: string | number, field = 'duration'): number {
  if (typeof text === 'number') return checked(text, String(text), field)
  if (typeof text !== 'string') throw new ValidationError(field, `must be a number of milliseconds or a string such as "30s", got ${typeof text}`)
  const input = text.trim()
  if (/^\d+$/.test(input)) return checked(Number(input), `"${input}"`, field)
  let total = 0
  let lastUnit = -1
  PART.lastIndex = 0
  while (PART.lastIndex < input.length) {
    const start = PART.lastIndex
    const match = PART.exec(input)
    if (!match) throw new ValidationError(field, `"${input}" is not a duration (cannot read "${input.slice(start)}"): ${HELP}`)
    const unit = match[2] as Unit
    const rank = UNIT_ORDER.indexOf(unit)
    if (rank <= lastUnit) throw new ValidationError(field, `"${input}": units must go from largest to smallest, each once (such as 1h30m)`)
    lastUnit = rank
    total += Number(match[1]) * UNIT_MS[unit]
    // Allow spaces between parts: "1h 30m".
    while (input[PART.lastIndex] === ' ') PART.lastIndex++
  }
  if (lastUnit < 0) throw new ValidationError(field, `"${input}" is not a duration: ${HELP}`)
  // Decimal parts add binary noise (1.1s = 1100.0000000000002 ms): ignore it below a nanosecond.
  const whole = Math.round(total)
  return checked(Math.abs(total - whole) < 1e-6 ? whole : total, `"${input}"`, field)
}

/** A zod schema accepting what parseDuration accepts and producing milliseconds. */
export const durationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  try {
    return parseDuration(value)
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    ctx.addIssue({ code: 'custom', message: error.issues[0]?.message ?? error.message })
    return z.NEVER
  }
})
