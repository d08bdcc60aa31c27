import type { Kysely } from 'kysely'

/**
 * What the workflow host needs beside `workflow_executions`: a workflow step (or compensation) is
 * an `event_executions` row tagged with its execution and step key, so the dispatcher runs it with
 * its pools, retries and attempt records; durable timers and event waits have their own tables.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('event_executions').addColumn('workflow_execution_id', 'text').execute()
  await db.schema.alterTable('event_executions').addColumn('step_key', 'text').execute()
  // The step's rendered input, handed to the executor as the event data of its context.
  await db.schema.alterTable('event_executions').addColumn('step_input', 'text').execute()
  await db.schema.createIndex('event_executions_workflow').on('event_executions').columns(['workflow_execution_id', 'step_key']).execute()

  await db.schema.alterTable('workflow_executions').addColumn('parent_execution_id', 'text').execute()
  await db.schema.alterTable('workflow_executions').addColumn('parent_step_id', 'text').execute()
  await db.schema.alterTable('workflow_executions').addColumn('parent_key', 'text').execute()
  await db.schema.createIndex('workflow_executions_created').on('workflow_executions').column('created_at').execute()

  await db.schema
    .createTable('workflow_timers')
    .addColumn('execution_id', 'text', (c) => c.notNull())
    .addColumn('timer_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('workflow_timers_pk', ['execution_id', 'timer_id'])
    .execute()
  await db.schema.createIndex('workflow_timers_due').on('workflow_timers').column('due_at').execute()

  await db.schema
    .createTable('workflow_waits')
    .addColumn('execution_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('step_key', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    // The dotted paths (sorted, JSON) and the JSON of the values they must equal, in that order:
    // a routed event is matched with one indexed lookup per distinct path set.
    .addColumn('match_paths', 'text', (c) => c.notNull())
    .addColumn('match_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('workflow_waits_pk', ['execution_id', 'step_id'])
    .execute()
  await db.schema.createIndex('workflow_waits_match').on('workflow_waits').columns(['event_type', 'match_paths', 'match_key']).execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('workflow_waits').ifExists().execute()
  await db.schema.dropTable('workflow_timers').ifExists().execute()
  await db.schema.dropIndex('workflow_executions_created').ifExists().execute()
  await db.schema.dropIndex('event_executions_workflow').ifExists().execute()
  for (const column of ['parent_execution_id', 'parent_step_id', 'parent_key']) await db.schema.alterTable('workflow_executions').dropColumn(column).execute()
  for (const column of ['workflow_execution_id', 'step_key', 'step_input']) await db.schema.alterTable('event_executions').dropColumn(column).execute()
}
