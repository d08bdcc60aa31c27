import type { Kysely } from 'kysely'

/**
 * Schedule occurrences: one row per nominal occurrence a scheduler decided (fired, skipped-missed,
 * skipped-overlap, capped). The occurrence id `<schedule>@<nominal ISO>` is the primary key, so two
 * runtimes racing for one occurrence decide it once. `last_error` says why a schedule stopped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('schedule_occurrences')
    .addColumn('occurrence_id', 'text', (c) => c.primaryKey())
    .addColumn('schedule_id', 'text', (c) => c.notNull())
    .addColumn('nominal_at', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text')
    // `schedule` (its due time came) or `run-now` (fired by hand).
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('runtime_id', 'text')
    .addColumn('decided_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('schedule_occurrences_schedule').on('schedule_occurrences').columns(['schedule_id', 'nominal_at']).execute()
  await db.schema.alterTable('event_schedules').addColumn('last_error', 'text').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('event_schedules').dropColumn('last_error').execute()
  await db.schema.dropTable('schedule_occurrences').ifExists().execute()
}
