import type { WorkflowDefinition } from '../workflow/definition.js'

/** A stored definition: one row per (id, version). */
export interface WorkflowDefinitionRecord {
  id: string
  version: number
  name: string
  description: string | null
  definition: WorkflowDefinition
  created_at: string
}

export type WorkflowExecutionStatus =
  | 'running'
  | 'waiting'
  | 'completed'
  | 'failed'
  | 'compensated'
  | 'compensation_failed'
  | 'cancelled'

export interface WorkflowStepView {
  step_id: string
  key: string
  status: 'running' | 'completed' | 'failed' | 'cancelled'
  attempts: number
  started_at: string | null
  completed_at: string | null
  duration_ms: number | null
  error: string | null
}

export interface WorkflowExecutionView {
  id: string
  workflow_id: string
  workflow_version: number
  status: WorkflowExecutionStatus
  /** The machine's current state value, as XState reports it. */
  state: unknown
  input: Record<string, unknown>
  output: unknown
  error: string | null
  /** What a waiting execution waits for: a timer until a time, or an event. */
  waiting_for: { kind: 'timer' | 'event'; step_id: string; until: string | null; event_type?: string } | null
  steps: WorkflowStepView[]
  trigger_event_id: string | null
  created_at: string
  updated_at: string
  completed_at: string | null
}

export interface StartWorkflowOptions {
  version?: number
  /** Makes the start idempotent: starting an existing id returns that execution. */
  executionId?: string
  /** The event that started it (a `workflow` handler); available to templates as `{{event.…}}`. */
  triggerEventId?: string
}

/**
 * `runtime.workflows`. Definitions: `create` (validated, stored by (id, version); a new version
 * never changes executions running on an old one), `list`, `get`, `export`. Executions: `start`,
 * `getExecution`, `listExecutions`, `cancel`; an execution started anywhere (CLI included) runs in
 * whichever runtime is running.
 */
export interface WorkflowsApi {
  create(input: unknown, options?: { format?: 'definition' | 'xstate' }): Promise<WorkflowDefinitionRecord>
  list(): Promise<WorkflowDefinitionRecord[]>
  get(id: string, version?: number): Promise<WorkflowDefinitionRecord>
  export(id: string, options: { format: 'xstate' | 'mermaid'; version?: number }): Promise<unknown>
  start(workflowId: string, input?: unknown, options?: StartWorkflowOptions): Promise<WorkflowExecutionView>
  getExecution(executionId: string): Promise<WorkflowExecutionView>
  listExecutions(filter?: { workflow_id?: string; status?: WorkflowExecutionStatus; limit?: number }): Promise<WorkflowExecutionView[]>
  cancel(executionId: string, options?: { compensate?: boolean }): Promise<WorkflowExecutionView>
}
