import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'
import { join, relative } from 'node:path'
import SQLite from 'better-sqlite3'

export interface Machine {
  cores: number
  cpu_model: string
  total_memory_gb: number
  os: string
  node: string
  nats_server: string
  sqlite: string
}

function readJson(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch {
    return null
  }
}

export function machine(): Machine {
  let nats = 'unknown'
  try {
    nats = execFileSync(process.env.SP_TEST_NATS_SERVER ?? 'nats-server', ['--version'], { encoding: 'utf8' }).trim()
  } catch {
    // reported as unknown; starting the server fails later with the reason
  }
  const sqlite = new SQLite(':memory:')
  const sqliteVersion = String(sqlite.prepare('select sqlite_version()').pluck().get())
  sqlite.close()
  return {
    cores: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    total_memory_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${process.platform} ${release()}`,
    node: process.version,
    nats_server: nats,
    sqlite: sqliteVersion,
  }
}

/** This package's version and the installed version of each of its dependencies. */
export function packageVersions(root: string): Record<string, string> {
  const pkg = readJson(join(root, 'package.json')) ?? {}
  const deps = { ...(pkg.dependencies as Record<string, string> | undefined) }
  const out: Record<string, string> = { [String(pkg.name)]: String(pkg.version) }
  for (const name of Object.keys(deps).sort()) {
    out[name] = String(readJson(join(root, 'node_modules', name, 'package.json'))?.version ?? `not installed (${deps[name]})`)
  }
  return out
}

/** What a committed event survives in this setup: the settings the runtime opens its stores with. */
export const durability = {
  sqlite: 'one file on disk, journal_mode=WAL, synchronous=NORMAL (a commit survives kill -9; a power loss may drop the last commits)',
  jetstream: 'stream SP_EVENTS, file storage, nats-server defaults (no fsync per message)',
  event_accepted_when: 'createEvent resolves after the SQLite commit of its group (outbox), then core-publishes to JetStream',
} as const

/** The command as typed: `npm run bench -- …` when npm ran it, else node with its flags. */
export function command(root: string): string {
  const args = process.argv.slice(2).join(' ')
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args ? ` -- ${args}` : ''}`
  const script = relative(root, process.argv[1] ?? '')
  return ['node', ...process.execArgv, script, args].filter(Boolean).join(' ')
}
