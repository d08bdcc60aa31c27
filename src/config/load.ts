import { existsSync, readFileSync } from 'node:fs'
import { SpError, ValidationError } from '../errors.js'
import { configSchema, type Config, type ConfigInput } from './schema.js'

/** Environment variables that override single config keys (they win over the file). */
const ENV_OVERRIDES: Record<string, { path: string[]; kind: 'int' | 'string' | 'bool' }> = {
  SP_MAX_CONCURRENT_EVENTS: { path: ['events', 'processing', 'maxConcurrentEvents'], kind: 'int' },
  SP_RETRY_DELAY_MS: { path: ['events', 'processing', 'retryDelayMs'], kind: 'int' },
  SP_MAX_RETRIES: { path: ['events', 'processing', 'maxRetries'], kind: 'int' },
  SP_TIMEZONE: { path: ['events', 'scheduling', 'timezone'], kind: 'string' },
  SP_CHECK_INTERVAL_MS: { path: ['events', 'scheduling', 'checkIntervalMs'], kind: 'int' },
  SP_CHECKPOINT_KEY: { path: ['events', 'executors', 'workflow', 'checkpointKey'], kind: 'string' },
  SP_HTTP_PORT: { path: ['events', 'http', 'port'], kind: 'int' },
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    if (next === undefined || next === null || typeof next !== 'object') node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[path[path.length - 1]!] = value
}

function envValue(name: string, raw: string, kind: 'int' | 'string' | 'bool'): unknown {
  if (kind === 'string') return raw
  if (kind === 'bool') {
    if (raw === 'true' || raw === '1') return true
    if (raw === 'false' || raw === '0') return false
    throw new ValidationError(name, `must be true or false, got "${raw}"`)
  }
  if (!/^-?\d+$/.test(raw)) throw new ValidationError(name, `must be a whole number, got "${raw}"`)
  return Number(raw)
}

/** Validates a config object (as `config/modules.json` holds it); unknown keys are refused with their path. */
export function parseConfig(input: unknown, where = 'config'): Config {
  const result = configSchema.safeParse(input ?? {})
  if (!result.success) throw ValidationError.fromZod(result.error, where)
  return result.data
}

/**
 * Reads the config file (explicit path, else `./config/modules.json` when it exists), applies
 * environment overrides, validates. A missing explicit file is an error; a missing default is not.
 */
export function loadConfig(options: { path?: string; env?: NodeJS.ProcessEnv; overrides?: ConfigInput } = {}): Config {
  const env = options.env ?? process.env
  const path = options.path ?? 'config/modules.json'
  let raw: Record<string, unknown> = {}
  if (existsSync(path)) {
    try {
      raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    } catch (err) {
      throw new ValidationError(path, `not valid JSON: ${(err as Error).message}`)
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ValidationError(path, 'must hold a JSON object')
  } else if (options.path) {
    throw new SpError('invalid_input', `config file "${path}" does not exist`)
  }
  for (const [name, spec] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name]
    if (value !== undefined && value !== '') setPath(raw, spec.path, envValue(name, value, spec.kind))
  }
  if (options.overrides) mergeInto(raw, options.overrides as Record<string, unknown>)
  return parseConfig(raw, path)
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const existing = target[key]
      const node = existing && typeof existing === 'object' && !Array.isArray(existing) ? (existing as Record<string, unknown>) : {}
      target[key] = node
      mergeInto(node, value as Record<string, unknown>)
    } else target[key] = value
  }
}
