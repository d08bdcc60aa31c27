import { sql } from 'kysely'
import type { Db } from '../store/database.js'

export interface Stats {
  events: { total: number; by_status: Record<string, number>; by_type: { type: string; status: string; count: number }[] }
  executions: { by_status: Record<string, number>; by_executor: { executor_type: string; count: number; avg_duration_ms: number | null }[] }
  dead_letters: number
}

/** Counts by type and status, and the average duration of finished executions per executor. */
export async function collectStats(db: Db): Promise<Stats> {
  const byTypeStatus = await db
    .selectFrom('events')
    .select(['type', 'status', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy(['type', 'status'])
    .orderBy('type')
    .execute()
  const byStatus: Record<string, number> = {}
  for (const r of byTypeStatus) byStatus[r.status] = (byStatus[r.status] ?? 0) + Number(r.count)
  const execStatus = await db
    .selectFrom('event_executions')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('status')
    .execute()
  const byExecutor = await db
    .selectFrom('event_executions')
    .select([
      'executor_type',
      (eb) => eb.fn.countAll<number>().as('count'),
      sql<number | null>`avg(case when status = 'completed' then duration_ms end)`.as('avg_duration_ms'),
    ])
    .groupBy('executor_type')
    .execute()
  const dead = await db
    .selectFrom('dead_letters')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('redriven_at', 'is', null)
    .executeTakeFirstOrThrow()
  return {
    events: {
      total: Object.values(byStatus).reduce((a, b) => a + b, 0),
      by_status: byStatus,
      by_type: byTypeStatus.map((r) => ({ type: r.type, status: r.status, count: Number(r.count) })),
    },
    executions: {
      by_status: Object.fromEntries(execStatus.map((r) => [r.status, Number(r.count)])),
      by_executor: byExecutor.map((r) => ({
        executor_type: r.executor_type,
        count: Number(r.count),
        avg_duration_ms: r.avg_duration_ms === null ? null : Math.round(Number(r.avg_duration_ms) * 10) / 10,
      })),
    },
    dead_letters: Number(dead.count),
  }
}
