import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'

/** The built `sp` entry (npm test builds before running the suite). */
export const SP_BIN = resolve(import.meta.dirname, '../../dist/src/cli/main.js')

export interface SpResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `sp` to completion with `env` added to this process's environment. */
export function runSp(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<SpResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [SP_BIN, ...args], { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('error', fail)
    child.once('close', (code) => done({ code: code ?? -1, stdout, stderr }))
  })
}

/** Runs `sp --json ...` and parses its stdout; throws with stderr when it fails. */
export async function spJson<T>(args: string[], env: Record<string, string>): Promise<T> {
  const r = await runSp(['--json', ...args], env)
  if (r.code !== 0) throw new Error(`sp ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

export interface SpProcess {
  child: ChildProcess
  /** Everything the process wrote to stderr so far. */
  log(): string
  /** Resolves when the process exits, with its code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `sp start` and resolves once it logs `ready`. */
export async function startSp(env: Record<string, string>, extraArgs: string[] = [], timeoutMs = 20_000): Promise<SpProcess> {
  const child = spawn(process.execPath, [SP_BIN, 'start', '--no-nats-autostart', ...extraArgs], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })))
  const deadline = Date.now() + timeoutMs
  while (!/\bready\b/.test(log)) {
    if (child.exitCode !== null) throw new Error(`sp start exited ${child.exitCode}: ${log}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`sp start did not log ready within ${timeoutMs} ms: ${log}`)
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  return { child, log: () => log, exited }
}
