import type { Logger } from '../src/runtime/logger.js'

/** Something with persisted due times: retry back-offs, held events, schedules, workflow timers. */
export interface DueSource {
  readonly name: string
  /** The earliest stored due time (epoch ms), or null when nothing is waiting. */
  nextDueAt(): Promise<number | null>
  /** Fires everything due at `now`. Must be safe to call when nothing is due, and idempotent across runtimes. */
  fireDue(now: number): Promise<void>
}

const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * One timer for the earliest due time across every source, re-armed when a source reports an
 * earlier time (`notify`). The times live in the database; this timer only says when to look.
 * A sweep every `safetyIntervalMs` re-reads them, as a safety net for changes made by other processes.
 */
export class Wakeups {
  private readonly sources: DueSource[] = []
  private timer: NodeJS.Timeout | null = null
  private armedAt = Infinity
  private ticking: Promise<void> | null = null
  private again = false
  private running = false

  constructor(
    private readonly log: Logger,
    private readonly safetyIntervalMs: number,
  ) {}

  register(source: DueSource): void {
    this.sources.push(source)
    if (this.running) this.notify(Date.now())
  }

  async start(): Promise<void> {
    this.running = true
    await this.tick()
  }

  async stop(): Promise<void> {
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    while (this.ticking) await this.ticking
  }

  /** A due time changed: wake at `at` if that is earlier than the armed time. */
  notify(at: number): void {
    if (!this.running) return
    if (at < this.armedAt) this.arm(at)
  }

  /** Looks at every source now. */
  poke(): void {
    this.notify(0)
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer)
    const cap = Date.now() + this.safetyIntervalMs
    this.armedAt = Math.min(at, cap)
    const delay = Math.max(0, Math.min(this.armedAt - Date.now(), MAX_TIMER_MS))
    this.timer = setTimeout(() => {
      this.timer = null
      this.armedAt = Infinity
      void this.tick()
    }, delay)
  }

  private tick(): Promise<void> {
    if (this.ticking) {
      this.again = true
      return this.ticking
    }
    this.ticking = (async () => {
      do {
        this.again = false
        let next = Infinity
        for (const source of this.sources) {
          try {
            await source.fireDue(Date.now())
            const due = await source.nextDueAt()
            if (due !== null) next = Math.min(next, due)
          } catch (err) {
            this.log.error(`wake-up source ${source.name} failed; retrying at the next sweep`, { error: String(err) })
          }
        }
        // A source that still reports a past time (another runtime holds it) is looked at again shortly, not in a loop.
        if (this.running) this.arm(Math.max(next, Date.now() + 10))
      } while (this.again && this.running)
    })().finally(() => {
      this.ticking = null
    })
    return this.ticking
  }
}
