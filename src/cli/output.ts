/** Output for people (tables) and programs (`--json`). Everything else goes to stderr. */
export interface Output {
  json: boolean
  /** Prints `value` as JSON, or calls `human` to print it for people. */
  result(value: unknown, human: () => void): void
  table(rows: Record<string, unknown>[], columns: string[]): void
  line(text: string): void
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

export function createOutput(json: boolean, write: (s: string) => void = (s) => process.stdout.write(s)): Output {
  return {
    json,
    result(value, human) {
      if (json) write(JSON.stringify(value, null, 2) + '\n')
      else human()
    },
    table(rows, columns) {
      if (rows.length === 0) {
        write('(none)\n')
        return
      }
      const cells = rows.map((r) => columns.map((c) => cell(r[c]).slice(0, 80)))
      const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)))
      const fmt = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd() + '\n'
      write(fmt(columns.map((c) => c.toUpperCase())))
      for (const r of cells) write(fmt(r))
    },
    line(text) {
      write(text + '\n')
    },
  }
}

/** Prints an object's fields one per line, for `info` commands. */
export function printRecord(out: Output, record: Record<string, unknown>, skip: string[] = []): void {
  const keys = Object.keys(record).filter((k) => !skip.includes(k))
  const width = Math.max(...keys.map((k) => k.length))
  for (const k of keys) out.line(`${k.padEnd(width)}  ${cell(record[k])}`)
}
