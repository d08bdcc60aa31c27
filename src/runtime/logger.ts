export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

function line(level: string, message: string, fields?: Record<string, unknown>): string {
  const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : ''
  return `${new Date().toISOString()} ${level} ${message}${extra}\n`
}

/** Human-readable lines on stderr (stdout stays free for command output). */
export const stderrLogger: Logger = {
  info: (m, f) => process.stderr.write(line('info', m, f)),
  warn: (m, f) => process.stderr.write(line('warn', m, f)),
  error: (m, f) => process.stderr.write(line('error', m, f)),
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} }
