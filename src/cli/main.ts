#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander'
import { SpError, ValidationError } from '../errors.js'
import { registerEventCommands } from './commands/events.js'
import { registerHandlerCommands } from './commands/handlers.js'
import { registerLegacyCommands } from './commands/legacy.js'
import { registerOperationCommands } from './commands/operations.js'
import { registerScheduleCommands } from './commands/schedules.js'
import { registerWorkflowCommands } from './commands/workflows.js'

/** Exit codes: 0 ok, 1 failed, 2 bad usage or invalid input. */
const EXIT_FAILED = 1
const EXIT_USAGE = 2

export function buildProgram(): Command {
  const program = new Command('sp')
    .description('sp-events: an event runtime on NATS and SQLite. Events, handlers, listeners, retries and dead letters.')
    .addOption(new Option('--db <path>', 'SQLite database file').env('SP_DATABASE').default('./data/sp.db'))
    .addOption(new Option('--nats <url>', 'NATS server URL').env('SP_NATS_URL').default('nats://127.0.0.1:4222'))
    .addOption(new Option('--config <path>', 'configuration file (default: config/modules.json when it exists)').env('SP_CONFIG'))
    .option('--json', 'print JSON for programs instead of tables')
    .showHelpAfterError('(run sp --help for the commands)')
    .exitOverride()
  registerOperationCommands(program)
  registerLegacyCommands(program)
  registerEventCommands(program)
  registerHandlerCommands(program)
  registerScheduleCommands(program)
  registerWorkflowCommands(program)
  program.enablePositionalOptions()
  for (const cmd of program.commands) {
    cmd.exitOverride().showHelpAfterError()
    // The global options are accepted after the command name too; a command with an option of the
    // same name (handler:register --config <json>) keeps its own, and the global goes before it.
    const own = new Set(cmd.options.map((o) => o.long))
    if (!own.has('--db')) cmd.option('--db <path>', 'SQLite database file (as the global option)')
    if (!own.has('--nats')) cmd.option('--nats <url>', 'NATS server URL (as the global option)')
    if (!own.has('--config')) cmd.option('--config <path>', 'configuration file (as the global option)')
    if (!own.has('--json')) cmd.option('--json', 'print JSON (as the global option)')
  }
  return program
}

function report(err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    // Commander has printed its message already.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0
    return EXIT_USAGE
  }
  const code = err instanceof SpError ? err.code : 'internal'
  const message = err instanceof Error ? err.message : String(err)
  const field = err instanceof ValidationError ? err.field : undefined
  if (json) process.stderr.write(JSON.stringify({ error: { code, message, ...(field ? { field } : {}) } }) + '\n')
  else process.stderr.write(`sp: ${message}\n`)
  if (!(err instanceof SpError)) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`)
  return code === 'invalid_input' ? EXIT_USAGE : EXIT_FAILED
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return 0
  } catch (err) {
    return report(err, argv.includes('--json'))
  }
}

process.exitCode = await main(process.argv)
