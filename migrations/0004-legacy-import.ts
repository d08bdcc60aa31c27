import type { Kysely } from 'kysely'

/**
 * Markers for `sp migrate:legacy`: one row per row of the old scheduler and workflows modules that
 * was imported, so a second run imports nothing twice. `target_id` names what it became (ids of
 * schedules, handlers, or `workflow@version`, comma-separated).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('legacy_imports')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('legacy_id', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('legacy_imports_pk', ['kind', 'legacy_id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('legacy_imports').ifExists().execute()
}
