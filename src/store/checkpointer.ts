import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// Runs in the worker: its own connection, a PASSIVE checkpoint every interval. PASSIVE never waits
// for readers or writers, so the event loop of the runtime never pays for copying the WAL back.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 0')
let stopped = false
const tick = () => {
  if (stopped) return
  try { db.pragma('wal_checkpoint(PASSIVE)') } catch (err) { parentPort.postMessage(String(err)) }
  setTimeout(tick, workerData.intervalMs)
}
parentPort.on('message', (m) => { if (m === 'stop') { stopped = true; try { db.pragma('wal_checkpoint(PASSIVE)') } catch {} db.close(); process.exit(0) } })
tick()
`

/** Checkpoints the WAL from a worker thread; the runtime's own connection turns auto-checkpoints off. */
export class Checkpointer {
  private readonly worker: Worker

  constructor(path: string, intervalMs = 200, onError: (message: string) => void = () => {}) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, intervalMs, driver } })
    this.worker.on('message', (m: unknown) => onError(String(m)))
    this.worker.unref()
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()))
    // Unref'd while it runs, so it never holds a process open; held while we wait for its exit.
    this.worker.ref()
    this.worker.postMessage('stop')
    await exited
  }
}
