import type { Generated } from 'kysely'

/** Row types as stored: JSON columns are text, booleans are 0/1, times are ISO-8601 UTC text. */
export interface EventsTable {
  id: string
  name: string
  type: string
  priority: string
  priority_rank: number
  data: string
  metadata: string
  trigger_type: string
  trigger_id: string | null
  status: string
  scheduled_at: string | null
  published_at: string | null
  routed_at: string | null
  open_executions: Generated<number>
  failed_executions: Generated<number>
  created_at: string
  updated_at: string
  completed_at: string | null
  error: string | null
}

interface SubscriptionColumns {
  id: string
  name: string | null
  executor_type: string
  configuration: string
  retry_policy: string | null
  priority: string | null
  timeout_ms: number | null
  enabled: number
  created_at: string
  updated_at: string
}

export interface EventHandlersTable extends SubscriptionColumns {
  event_type: string
  conditions: string
}

export interface EventListenersTable extends SubscriptionColumns {
  event_pattern: string
  filter_conditions: string
}

export interface EventExecutionsTable {
  id: string
  event_id: string
  subscription_id: string
  subscription_kind: string
  executor_type: string
  status: string
  priority: string
  priority_rank: number
  idempotency_key: string
  configuration: string
  retry_policy: string
  timeout_ms: number | null
  attempts: Generated<number>
  max_attempts: number
  next_attempt_at: string | null
  lease_owner: string | null
  started_at: string | null
  completed_at: string | null
  duration_ms: number | null
  error: string | null
  output: string | null
  created_at: string
  updated_at: string
  /** Set for a workflow step or compensation run (migration 0003). */
  workflow_execution_id: string | null
  step_key: string | null
  /** The step's rendered input (JSON), given to its executor as the context event's data. */
  step_input: string | null
}

export interface ExecutionAttemptsTable {
  id: Generated<number>
  execution_id: string
  attempt: number
  runtime_id: string | null
  outcome: string
  error: string | null
  details: string | null
  started_at: string
  finished_at: string
  duration_ms: number
}

export interface DeadLettersTable {
  id: string
  kind: string
  execution_id: string | null
  event_id: string | null
  subject: string | null
  payload: string | null
  reason: string
  created_at: string
  redriven_at: string | null
  redrive_count: Generated<number>
}

export interface AuditLogTable {
  id: Generated<number>
  at: string
  actor: string
  action: string
  entity_type: string
  entity_id: string
  details: string | null
}

export interface EventSchedulesTable {
  id: string
  name: string | null
  event_type: string
  event_data: string
  event_priority: string
  schedule_type: string
  cron_expression: string | null
  interval_ms: number | null
  run_at: string | null
  timezone: string
  start_at: string | null
  end_at: string | null
  missed_policy: string
  max_catchup: number
  overlap_policy: string
  status: string
  next_run_at: string | null
  last_run_at: string | null
  last_nominal_at: string | null
  created_at: string
  updated_at: string
  /** Why the scheduler stopped the schedule (status `failed`). */
  last_error: string | null
}

/** One decided occurrence of a schedule; `occurrence_id` (`<schedule>@<nominal ISO>`) is unique. */
export interface ScheduleOccurrencesTable {
  occurrence_id: string
  schedule_id: string
  nominal_at: string
  decision: string
  event_id: string | null
  source: string
  runtime_id: string | null
  decided_at: string
}

export interface WorkflowDefinitionsTable {
  id: string
  version: number
  name: string
  description: string | null
  definition: string
  created_at: string
}

export interface WorkflowExecutionsTable {
  id: string
  workflow_id: string
  workflow_version: number
  status: string
  input: string
  output: string | null
  error: string | null
  checkpoint: string | null
  trigger_event_id: string | null
  created_at: string
  updated_at: string
  completed_at: string | null
  /** A subflow's parent execution, and the step (and run key) waiting for it. */
  parent_execution_id: string | null
  parent_step_id: string | null
  parent_key: string | null
}

export interface WorkflowTimersTable {
  execution_id: string
  timer_id: string
  step_id: string
  due_at: string
  created_at: string
}

export interface WorkflowWaitsTable {
  execution_id: string
  step_id: string
  step_key: string
  event_type: string
  match_paths: string
  match_key: string
  created_at: string
}

export interface RuntimeInstancesTable {
  id: string
  hostname: string
  pid: number
  started_at: string
  heartbeat_at: string
  stopped_at: string | null
}

/** One imported row of the old scheduler and workflows modules (`sp migrate:legacy`). */
export interface LegacyImportsTable {
  kind: string
  legacy_id: string
  target_id: string
  imported_at: string
}

export interface Database {
  events: EventsTable
  event_handlers: EventHandlersTable
  event_listeners: EventListenersTable
  event_executions: EventExecutionsTable
  execution_attempts: ExecutionAttemptsTable
  dead_letters: DeadLettersTable
  audit_log: AuditLogTable
  event_schedules: EventSchedulesTable
  schedule_occurrences: ScheduleOccurrencesTable
  workflow_definitions: WorkflowDefinitionsTable
  workflow_executions: WorkflowExecutionsTable
  workflow_timers: WorkflowTimersTable
  workflow_waits: WorkflowWaitsTable
  runtime_instances: RuntimeInstancesTable
  legacy_imports: LegacyImportsTable
}
