import { z } from 'zod'
import { executionIdFor } from '../../actors/workflow-perform.js'
import { SpError } from '../errors.js'
import { renderTemplate } from '../model/template.js'
import type { StartWorkflowOptions } from '../runtime/workflows-types.js'
import { assertEnabled, checkTemplates, parseConfiguration } from './configuration.js'
import type { ExecutionContext, ExecutionOutcome, Executor } from './types.js'

export const workflowConfigSchema = z.strictObject({
  workflow_id: z.string().min(1).max(100),
  /** Pinned version; the latest when absent. */
  version: z.number().int().min(1).optional(),
  /** The workflow input, rendered with `{{event.data.x}}` templates; default: the event's data. */
  input: z.unknown().optional(),
})
export type WorkflowConfig = z.output<typeof workflowConfigSchema>

export interface WorkflowExecutorOptions {
  enabled?: boolean
  start(workflowId: string, input: unknown, options: StartWorkflowOptions): Promise<{ id: string }>
}

/**
 * Starts one workflow execution per handler execution and completes once it is stored (the
 * workflow then runs on its own; its outcome is on the execution, not on this handler run). The
 * execution id is derived from the idempotency key, so a retry or a re-run after a crash finds the
 * execution it started instead of starting another.
 */
export function createWorkflowExecutor(options: WorkflowExecutorOptions): Executor<WorkflowConfig> {
  function validateConfig(input: unknown): WorkflowConfig {
    assertEnabled('workflow', options.enabled ?? true)
    const config = parseConfiguration(workflowConfigSchema, input)
    checkTemplates(config.input, 'configuration.input')
    return config
  }

  async function execute(config: WorkflowConfig, ctx: ExecutionContext): Promise<ExecutionOutcome> {
    const input = config.input === undefined ? ctx.event.data : renderTemplate(config.input, { event: ctx.event })
    try {
      const execution = await options.start(config.workflow_id, input, {
        ...(config.version ? { version: config.version } : {}),
        executionId: executionIdFor(ctx.idempotencyKey),
        triggerEventId: ctx.event.id,
      })
      return { ok: true, output: { workflow_execution_id: execution.id } }
    } catch (err) {
      // A missing workflow or an input it refuses will not change on retry; a busy database might.
      const final = err instanceof SpError && ['not_found', 'invalid_input'].includes(err.code)
      return { ok: false, retryable: !final, error: `workflow ${config.workflow_id}: ${(err as Error).message}` }
    }
  }

  return { type: 'workflow', validateConfig, execute }
}
