import type { Command } from 'commander'
import type { Runtime } from '../runtime/runtime.js'
import { stderrLogger } from '../runtime/logger.js'
import { createOutput, type Output } from './output.js'

export interface GlobalOptions {
  db: string
  nats: string
  config?: string
  json: boolean
}

/**
 * The root command's options. Read from the root alone: `handler:register --config <json>` has an
 * option of its own with the global's name, and it must not be taken for the config file.
 */
export function globalOptions(cmd: Command): GlobalOptions {
  let root = cmd
  while (root.parent) root = root.parent
  const g = root.opts<{ db: string; nats: string; config?: string; json?: boolean }>()
  const own = cmd === root ? {} : cmd.opts<{ db?: string; nats?: string; config?: unknown; json?: boolean }>()
  const configIsFile = cmd.options.find((o) => o.long === '--config')?.description.startsWith('configuration file') ?? false
  return {
    db: own.db ?? g.db,
    nats: own.nats ?? g.nats,
    config: configIsFile && typeof own.config === 'string' ? own.config : g.config,
    json: Boolean(own.json ?? g.json),
  }
}

/** Opens a runtime on the shared database (without starting it), runs `fn`, and closes it. */
export async function withRuntime<T>(cmd: Command, fn: (runtime: Runtime, out: Output) => Promise<T>): Promise<T> {
  const g = globalOptions(cmd)
  // Loaded on use: `--help` and refused input never pay for NATS, SQLite and the executors.
  const { createRuntime } = await import('../runtime/runtime.js')
  const runtime = await createRuntime({ database: g.db, nats: { servers: g.nats }, configPath: g.config, actor: 'cli', logger: stderrLogger })
  try {
    return await fn(runtime, createOutput(g.json))
  } finally {
    await runtime.stop()
  }
}
