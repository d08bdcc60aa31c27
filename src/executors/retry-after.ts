/** A target asking for more than a day is capped: the retry policy's own limits apply beyond it. */
const MAX_RETRY_AFTER_MS = 86_400_000

/** Milliseconds a `Retry-After` header asks to wait (delay-seconds or an HTTP date); undefined if absent or invalid. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim()
  if (!text) return undefined
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS)
  // HTTP dates name the weekday or month in letters; this keeps Date.parse from reading "1.5" as a date.
  if (!/[A-Za-z]{3}/.test(text)) return undefined
  const at = Date.parse(text)
  if (Number.isNaN(at)) return undefined
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS)
}
