/**
 * The id of one occurrence of a schedule: `<scheduleId>@<nominal time as ISO 8601 UTC with
 * milliseconds>`, such as `sch_1@2025-03-09T07:30:00.000Z`. It depends only on the schedule and
 * the nominal time, never on when the occurrence actually fired, so every runtime racing to fire it
 * computes the same id (the NATS message id and the unique key that make it fire once).
 */
export function occurrenceId(scheduleId: string, nominal: Date): string {
  if (typeof scheduleId !== 'string' || scheduleId === '') throw new TypeError('occurrenceId: scheduleId must be a non-empty string')
  if (!(nominal instanceof Date) || Number.isNaN(nominal.getTime())) throw new TypeError('occurrenceId: nominal must be a valid Date')
  return `${scheduleId}@${nominal.toISOString()}`
}

/** Splits an occurrence id back into its schedule id and nominal time; null if it is not one. */
export function parseOccurrenceId(id: string): { scheduleId: string; nominal: Date } | null {
  const at = id.lastIndexOf('@')
  if (at <= 0) return null
  const nominal = new Date(id.slice(at + 1))
  if (Number.isNaN(nominal.getTime()) || nominal.toISOString() !== id.slice(at + 1)) return null
  return { scheduleId: id.slice(0, at), nominal }
}
