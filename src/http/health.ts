import { sql } from 'kysely'
import type { Db } from '../store/database.js'

/** The part of a NATS connection a health check needs. */
export interface PingableConnection {
  /** Round trip to the server; throws when disconnected or closed. */
  rtt(): Promise<number>
}

export interface HealthDeps {
  /** The runtime's NATS connection, or null when there is none. */
  nats(): PingableConnection | null
  db: Db
  /** How long each check may take before it counts as failed (default 2 s). */
  timeoutMs?: number
}

export type ComponentHealth = { status: 'ok'; latency_ms: number } | { status: 'unavailable'; error: string }

export interface HealthReport {
  status: 'ok' | 'unavailable'
  /** Why the runtime is unavailable: each failed part and its error. */
  reason?: string
  nats: ComponentHealth
  database: ComponentHealth
}

async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<ComponentHealth> {
  const started = Date.now()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    await Promise.race([check(), timeout])
    return { status: 'ok', latency_ms: Date.now() - started }
  } catch (err) {
    return { status: 'unavailable', error: err instanceof Error ? err.message : String(err) }
  } finally {
    clearTimeout(timer)
  }
}

/** Checks that NATS answers a ping and the database a `select 1`, both at once. */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const timeoutMs = deps.timeoutMs ?? 2000
  const [nats, database] = await Promise.all([
    probe(async () => {
      const nc = deps.nats()
      if (!nc) throw new Error('not connected')
      await nc.rtt()
    }, timeoutMs),
    probe(() => sql`select 1`.execute(deps.db), timeoutMs),
  ])
  const failed = Object.entries({ nats, database }).flatMap(([name, h]) => (h.status === 'ok' ? [] : [`${name}: ${h.error}`]))
  return failed.length ? { status: 'unavailable', reason: failed.join('; '), nats, database } : { status: 'ok', nats, database }
}
