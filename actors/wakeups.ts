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
 * The timer is armed this long before the due time, then the loop turns (setImmediate) until the
 * due millisecond: a Node timer fires up to ~2 ms after its time, and never before.
 */
export const EARLY_ARM_MS = 2
/** A source still reporting a past time (another runtime holds it) is looked at again after this, not in a loop. */
const RETRY_PAST_DUE_MS = 10

/**
 * One timer for the earliest due time across every source. Each source has its own due time (from
 * its `nextDueAt`, or lowered by `notify`), and a wake-up looks only at the sources that are due,
 * the earliest first. The times live in the database; this timer only says when to look. Every
 * `safetyIntervalMs` all sources are looked at, as a safety net for changes made by other processes.
 */
export class Wakeups {
  private readonly sources: DueSource[] = []
  /** When each source must next be looked at (epoch ms). */
  private readonly dueAt = new Map<DueSource, number>()
  private nextSweep = 0
  private timer: NodeJS.Timeout | null = null
  private immediate: NodeJS.Immediate | null = null
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
    this.dueAt.set(source, 0)
    if (this.running) this.arm(0)
  }

  async start(): Promise<void> {
    this.running = true
    this.nextSweep = 0
    await this.tick()
  }

  async stop(): Promise<void> {
    this.running = false
    this.disarm()
    while (this.ticking) await this.ticking
  }

  /**
   * A due time changed: `source` (by name; every source when omitted) is looked at no later than `at`.
   * Kept across a wake-up in progress, so a time stored while its source was being read is not lost.
   */
  notify(at: number, source?: string): void {
    // A name no source has (a wiring slip) wakes every source: slower, never late.
    const named = this.sources.filter((s) => s.name === source)
    for (const s of named.length ? named : this.sources) this.dueAt.set(s, Math.min(this.dueAt.get(s)!, at))
    if (this.running && at < this.armedAt) this.arm(at)
  }

  /** Looks at every source now. */
  poke(): void {
    this.notify(0)
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer)
    if (this.immediate) clearImmediate(this.immediate)
    this.timer = null
    this.immediate = null
    this.armedAt = Infinity
  }

  private arm(at: number): void {
    this.disarm()
    this.armedAt = Math.min(at, Date.now() + this.safetyIntervalMs)
    const target = this.armedAt
    const delay = Math.min(target - EARLY_ARM_MS - Date.now(), MAX_TIMER_MS)
    const fire = () => {
      this.timer = null
      this.immediate = null
      // Never early: `scheduled_at <= now` in the sources must hold for the time this timer was armed for.
      if (Date.now() < target) {
        this.immediate = setImmediate(fire)
        return
      }
      this.armedAt = Infinity
      void this.tick()
    }
    if (delay > 0) this.timer = setTimeout(fire, delay)
    else this.immediate = setImmediate(fire)
  }

  private tick(): Promise<void> {
    if (this.ticking) {
      this.again = true
      return this.ticking
    }
    this.ticking = (async () => {
      do {
        this.again = false
        await this.lookAtDue(Date.now())
      } while (this.again && this.running)
    })().finally(() => {
      this.ticking = null
    })
    return this.ticking
  }

  private async lookAtDue(now: number): Promise<void> {
    const sweep = now >= this.nextSweep
    if (sweep) this.nextSweep = now + this.safetyIntervalMs
    const due = this.sources
      .filter((s) => sweep || this.dueAt.get(s)! <= now)
      .sort((a, b) => this.dueAt.get(a)! - this.dueAt.get(b)!)
    for (const source of due) {
      // Lowered again by a `notify` that arrives while the source is read; never raised past it.
      this.dueAt.set(source, Infinity)
      const firedAt = Date.now()
      let next: number
      try {
        await source.fireDue(firedAt)
        // A turn for the work the source handed over (the dispatcher's attempt starts) before this bookkeeping read.
        await new Promise((resolve) => setImmediate(resolve))
        next = (await source.nextDueAt()) ?? Infinity
      } catch (err) {
        this.log.error(`wake-up source ${source.name} failed; retrying at the next sweep`, { error: String(err) })
        next = this.nextSweep
      }
      // Due by `firedAt` and still there: not ours to fire (another runtime holds it, or no room yet).
      if (next <= firedAt) next = Date.now() + RETRY_PAST_DUE_MS
      this.dueAt.set(source, Math.min(this.dueAt.get(source)!, next))
    }
    if (this.running) this.arm(Math.min(this.nextSweep, ...this.dueAt.values()))
  }
}
