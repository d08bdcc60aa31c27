import type * as Execa from 'execa'
import type { Config } from '../config/schema.js'
import { renderText } from '../model/template.js'
import { CappedBuffer } from './capped-buffer.js'
import { assertCommandAllowed, assertDirectory, commandConfigSchema, resolveCommand, type CommandConfig } from './command-config.js'
import { assertEnabled, checkTemplates, parseConfiguration, parseJsonOrText } from './configuration.js'
import { createDeadline, deadlineMessage, effectiveTimeoutMs } from './deadline.js'
import { ProcessGroup } from './process-group.js'
import type { AttemptDetails, ExecutionContext, ExecutionOutcome, Executor } from './types.js'

export type { CommandConfig } from './command-config.js'

export type CommandExecutorOptions = Config['events']['executors']['command'] & {
  /** The runtime's environment: `env_allow` picks from it and bare commands resolve on its PATH. Default process.env. */
  env?: NodeJS.ProcessEnv
}

const EXCERPT_IN_ERROR = 500

function childEnv(config: CommandConfig, ctx: ExecutionContext, runtimeEnv: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of config.env_allow) {
    const value = runtimeEnv[name]
    if (value !== undefined) env[name] = value
  }
  return {
    ...env,
    ...config.env,
    SP_EVENT_ID: ctx.event.id,
    SP_EVENT_TYPE: ctx.event.type,
    SP_EXECUTION_ID: ctx.executionId,
    SP_IDEMPOTENCY_KEY: ctx.idempotencyKey,
    SP_ATTEMPT: String(ctx.attempt),
  }
}

function tail(text: string): string {
  const trimmed = text.trim()
  return trimmed.length > EXCERPT_IN_ERROR ? `...${trimmed.slice(-EXCERPT_IN_ERROR)}` : trimmed
}

/**
 * Runs a program with an argument array (never a shell) in its own process group, with an
 * allow-listed environment, a time limit enforced on the whole group, and capped output.
 */
export function createCommandExecutor(options: CommandExecutorOptions): Executor<CommandConfig> {
  const runtimeEnv = options.env ?? process.env

  function validateConfig(input: unknown): CommandConfig {
    assertEnabled('command', options.enabled)
    const config = parseConfiguration(commandConfigSchema, input)
    checkTemplates(config.args, 'configuration.args')
    assertDirectory(config.cwd)
    const command = resolveCommand(config.command, runtimeEnv.PATH)
    assertCommandAllowed(command, options.allowedCommands)
    return { ...config, command }
  }

  async function execute(config: CommandConfig, ctx: ExecutionContext): Promise<ExecutionOutcome> {
    const timeoutMs = effectiveTimeoutMs(config.timeout_ms, ctx.timeoutMs, options.defaultTimeoutMs)
    const cap = config.max_output_bytes ?? options.maxOutputBytes
    if (ctx.signal.aborted) return { ok: false, retryable: true, error: 'aborted before the command started' }

    const args = config.args.map((arg) => renderText(arg, { event: ctx.event }))
    const stdout = new CappedBuffer(cap)
    const stderr = new CappedBuffer(cap)
    const started = performance.now()
    const { execa } = await loadExeca()
    const child = execa(config.command, args, {
      shell: false,
      detached: true,
      cwd: config.cwd,
      env: childEnv(config, ctx, runtimeEnv),
      extendEnv: false,
      ...(config.stdin === 'event' ? { input: JSON.stringify(ctx.event) } : { stdin: 'ignore' as const }),
      buffer: false,
      reject: false,
      stripFinalNewline: false,
      forceKillAfterDelay: false,
    })
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))

    const group = child.pid === undefined ? undefined : new ProcessGroup(child.pid, config.kill_grace_ms)
    const deadline = createDeadline(ctx.signal, timeoutMs)
    deadline.signal.addEventListener('abort', () => group?.terminate(), { once: true })
    // When the leader exits, whatever it left running in its group is a stray: stop it the same way.
    child.once('exit', () => group?.terminate())
    const result = await child
    deadline.dispose()

    const details: AttemptDetails = {
      command: config.command,
      exit_code: result.exitCode ?? null,
      signal: result.signal ?? null,
      timed_out: deadline.reason() === 'timeout',
      duration_ms: Math.round(performance.now() - started),
      stdout: stdout.text(),
      stderr: stderr.text(),
      stdout_dropped_bytes: stdout.dropped,
      stderr_dropped_bytes: stderr.dropped,
    }
    const name = config.command

    if (deadline.reason()) {
      const how = `process group sent SIGTERM, then SIGKILL after ${config.kill_grace_ms} ms`
      return { ok: false, retryable: true, error: `${name}: ${deadlineMessage(deadline, timeoutMs)}; ${how}`, details }
    }
    if (result.exitCode === undefined && result.signal === undefined) {
      // The program never ran (ENOENT, EACCES, bad cwd): running it again will not help.
      return { ok: false, retryable: false, error: `${name} could not be started: ${result.originalMessage ?? result.shortMessage}`, details }
    }
    if (result.signal !== undefined) {
      return { ok: false, retryable: true, error: `${name} was killed by ${result.signal}`, details }
    }
    if (result.exitCode === 0) {
      return { ok: true, output: stdout.truncated ? stdout.text() : parseJsonOrText(stdout.text()), details }
    }
    const code = result.exitCode!
    const retryable = config.retry_on_exit_codes ? config.retry_on_exit_codes.includes(code) : true
    const why = retryable ? '' : ' (not in retry_on_exit_codes: final)'
    const excerpt = tail(stderr.text())
    return { ok: false, retryable, error: `${name} exited with code ${code}${why}${excerpt ? `: ${excerpt}` : ''}`, details }
  }

  return { type: 'command', validateConfig, execute }
}

let execaModule: Promise<typeof Execa> | null = null

/** execa is loaded with the first command: a runtime that never runs one never pays for it. */
function loadExeca(): Promise<typeof Execa> {
  return (execaModule ??= import('execa'))
}
