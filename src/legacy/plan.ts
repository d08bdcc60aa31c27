import type { RegisterHandlerInput } from '../model/handler.js'
import type { ScheduleEventInput } from '../runtime/schedules-api.js'
import type { WorkflowDefinitionInput } from '../workflow/definition.js'

/** The kinds of old rows the report counts. */
export const LEGACY_KINDS = ['task', 'workflow', 'trigger', 'workflow_schedule'] as const
export type LegacyKind = (typeof LEGACY_KINDS)[number]

/** One thing to create for an old row: effects as data, so a dry run and a real run share the plan. */
export type Operation =
  | { op: 'workflow'; definition: WorkflowDefinitionInput }
  | { op: 'handler'; input: RegisterHandlerInput }
  | { op: 'schedule'; input: ScheduleEventInput; paused: boolean }
  /** The `workflow` handler a workflow's schedules fire; created once per workflow, whichever row needs it first. */
  | { op: 'start-handler'; workflowId: string; input: RegisterHandlerInput }

/** What one old row converts to, or why it does not. */
export type Conversion =
  | { kind: LegacyKind; id: string; outcome: 'convert'; summary: string; operations: Operation[] }
  | { kind: LegacyKind; id: string; outcome: 'skip' | 'fail'; reason: string }

export function fail(kind: LegacyKind, id: string, reason: string): Conversion {
  return { kind, id, outcome: 'fail', reason }
}

/** `Nightly Backup!` → `nightly-backup`: one event-type token. */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'unnamed'
  )
}

export const taskEventType = (taskId: string): string => `legacy.task.${slug(taskId)}`
export const workflowStartEventType = (workflowId: string): string => `legacy.workflow.${slug(workflowId)}.start`

/** Parses a JSON column; `fallback` when it is null or empty. Throws a message naming the column. */
export function jsonColumn<T>(text: string | null, column: string, fallback: T): T {
  if (text === null || text.trim() === '') return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    throw new Error(`${column} is not valid JSON`)
  }
}

/** Milliseconds from a number, a digit string or a duration such as `30s`; null when absent. */
export function toMs(value: unknown, field: string): number | null {
  if (value === null || value === undefined || value === '') return null
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value)
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m?.[2] ?? 'ms') as 'ms']
    if (m) return Math.round(Number(m[1]) * unit)
  }
  throw new Error(`${field} ${JSON.stringify(value)} is not a duration (milliseconds, or such as "30s")`)
}
