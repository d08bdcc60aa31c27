import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A runtime in a child process (a service of bench/harness), told what to do by env and stdin, reporting by stdout lines. */
export class Service {
  private out = ''
  private readonly waiters: { prefix: string; resolve(line: string): void }[] = []

  private constructor(readonly child: ChildProcess) {
    const seen = (chunk: Buffer) => {
      this.out += chunk.toString()
      for (const w of [...this.waiters]) {
        const line = this.out.split('\n').find((l) => l.startsWith(w.prefix))
        if (line !== undefined) {
          this.waiters.splice(this.waiters.indexOf(w), 1)
          w.resolve(line.slice(w.prefix.length).trim())
        }
      }
    }
    child.stdout!.on('data', seen)
    child.stderr!.on('data', seen)
  }

  /** Spawns `bench/harness/<name>.js` and waits for its `ready` line. */
  static async start(name: string, env: Record<string, string>): Promise<Service> {
    const file = join(dirname(fileURLToPath(import.meta.url)), `${name}.js`)
    const service = new Service(spawn(process.execPath, [file], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] }))
    await service.line('ready')
    return service
  }

  /** The rest of the first output line starting with `prefix`; rejects if the process exits first. */
  line(prefix: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const line = this.out.split('\n').find((l) => l.startsWith(prefix))
      if (line !== undefined) return resolve(line.slice(prefix.length).trim())
      this.waiters.push({ prefix, resolve })
      this.child.once('exit', (code, signal) => reject(new Error(`service exited (${code ?? signal}) before "${prefix}": ${this.out.slice(-2000)}`)))
    })
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`)
  }

  /** Resident set size of the service now (Linux /proc), MB. */
  rssMb(): number {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'))?.[1]
    return Number(kb) / 1024
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    const c = this.child
    if (c.exitCode !== null || c.signalCode !== null) return
    const exited = new Promise((resolve) => c.once('exit', resolve))
    c.kill(signal)
    const timer = setTimeout(() => c.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(timer)
  }
}
