/** JSON columns: parse what we wrote; a corrupt value surfaces as an error naming the column. */
export function parseJson<T>(text: string | null, column: string): T | null {
  if (text === null) return null
  try {
    return JSON.parse(text) as T
  } catch (err) {
    throw new Error(`stored ${column} is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null)
}

export function nowIso(): string {
  return new Date().toISOString()
}
