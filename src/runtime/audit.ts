import type { Db } from '../store/database.js'

/** Appends one line to the audit log (the table refuses updates and deletes). */
export async function audit(
  db: Db,
  actor: string,
  action: string,
  entity: { type: string; id: string },
  details?: Record<string, unknown>,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: new Date().toISOString(),
      actor,
      action,
      entity_type: entity.type,
      entity_id: entity.id,
      details: details ? JSON.stringify(details) : null,
    })
    .execute()
}
