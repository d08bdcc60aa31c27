import { buildWorkflowConfig, type MachineJson } from '../../machines/workflow-config.js'
import type { WorkflowDefinition } from './definition.js'
import { configToMermaid } from './mermaid.js'

/**
 * The compiled machine's config as plain JSON, for the Stately visualizer and `createMachine()`:
 * `id`, `initial`, `states` (a state per step, keyed by its id, with `meta.step`), `on`, `always`,
 * `onDone`, and named actions and guards as `{type, params}`. It is exactly the config
 * `compileWorkflow` runs, so what the visualizer shows is what executes.
 */
export function toXStateJSON(definition: WorkflowDefinition): MachineJson {
  return JSON.parse(JSON.stringify(buildWorkflowConfig(definition))) as MachineJson
}

/** The compiled machine as a Mermaid `stateDiagram-v2` (GitHub renders it in Markdown). */
export function toMermaid(definition: WorkflowDefinition): string {
  return configToMermaid(buildWorkflowConfig(definition))
}
