import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'
import { z } from 'zod'
import { ValidationError } from '../errors.js'

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const envName = z.string().regex(ENV_NAME, 'an environment variable name: letters, digits and "_", not starting with a digit')

/** Variables every command gets, which `env` may not override. */
export const RESERVED_ENV = ['SP_EVENT_ID', 'SP_EVENT_TYPE', 'SP_EXECUTION_ID', 'SP_IDEMPOTENCY_KEY', 'SP_ATTEMPT'] as const
export const DEFAULT_ENV_ALLOW = ['PATH', 'HOME', 'LANG', 'TZ']

export const commandConfigSchema = z.strictObject({
  /** An absolute path, or a bare name resolved on the runtime's PATH at registration. */
  command: z.string().min(1).refine((c) => !c.includes('\0'), 'must not contain a NUL byte'),
  /** Each entry is one argument; `{{event.data.x}}` templates are substituted as text, never parsed by a shell. */
  args: z.array(z.string()).max(1000).default([]),
  cwd: z.string().min(1).refine(isAbsolute, 'must be an absolute path').optional(),
  env: z
    .record(envName, z.string())
    .refine((env) => !RESERVED_ENV.some((name) => name in env), `must not set ${RESERVED_ENV.join(', ')}: the runtime sets them`)
    .default({}),
  env_allow: z.array(envName).max(1000).default(DEFAULT_ENV_ALLOW),
  timeout_ms: z.number().int().min(1).max(86_400_000).optional(),
  kill_grace_ms: z.number().int().min(0).max(600_000).default(2000),
  max_output_bytes: z.number().int().min(0).max(256 * 1024 * 1024).optional(),
  stdin: z.enum(['event', 'none']).default('event'),
  /** Exit codes worth retrying; any other non-zero code is final. Default: every non-zero code is retried. */
  retry_on_exit_codes: z.array(z.number().int().min(1).max(255)).max(255).optional(),
})
export type CommandConfig = z.output<typeof commandConfigSchema>

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** The absolute path `command` runs as, checked now so a typo fails at registration, not at 3 a.m. */
export function resolveCommand(command: string, pathVar: string | undefined): string {
  if (isAbsolute(command)) {
    if (isExecutableFile(command)) return command
    throw new ValidationError('configuration.command', `"${command}" is not an executable file`)
  }
  if (command.includes('/')) {
    throw new ValidationError('configuration.command', `"${command}" is a relative path: give an absolute path, or a bare name found on PATH`)
  }
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir && isAbsolute(dir) && isExecutableFile(join(dir, command))) return join(dir, command)
  }
  throw new ValidationError('configuration.command', `"${command}" was not found on PATH (${pathVar ?? 'unset'}): install it or give an absolute path`)
}

function globToRegExp(glob: string): RegExp {
  let source = ''
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!
    if (ch === '*' && glob[i + 1] === '*') {
      source += '.*'
      i++
    } else if (ch === '*') source += '[^/]*'
    else if (ch === '?') source += '[^/]'
    else source += ch.replace(/[\\^$.+()|[\]{}]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

/** Refuses `resolved` unless it matches one of `allowed` (absolute paths; `*`, `**`, `?` globs). */
export function assertCommandAllowed(resolved: string, allowed: readonly string[] | undefined): void {
  if (!allowed) return
  if (allowed.some((pattern) => globToRegExp(pattern).test(resolved))) return
  throw new ValidationError(
    'configuration.command',
    `"${resolved}" is not allowed by executors.command.allowedCommands (${allowed.join(', ') || 'empty'}) in config/modules.json`,
  )
}

export function assertDirectory(cwd: string | undefined): void {
  if (cwd === undefined) return
  let ok = false
  try {
    ok = statSync(cwd).isDirectory()
  } catch {
    ok = false
  }
  if (!ok) throw new ValidationError('configuration.cwd', `"${cwd}" is not an existing directory`)
}
