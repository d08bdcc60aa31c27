import { readFileSync, writeFileSync } from 'node:fs'
import { Option, type Command } from 'commander'
import { parse as parseYaml } from 'yaml'
import { SpError, ValidationError } from '../../errors.js'
import { DEFINITION_FORMATS, EXPORT_FORMATS, type DefinitionFormat, type ExportFormat } from '../../runtime/workflow-definitions-api.js'
import type { WorkflowDefinitionRecord, WorkflowExecutionStatus, WorkflowExecutionView, WorkflowStepView } from '../../runtime/workflows-types.js'
import { normalizeAction, type Step } from '../../workflow/definition.js'
import { parseDuration } from '../../workflow/duration.js'
import { fromXStateJSON } from '../../workflow/import.js'
import { parseWorkflowDefinition } from '../../workflow/validate.js'
import { withRuntime } from '../context.js'
import { printRecord, type Output } from '../output.js'
import { intOption, jsonOption } from '../parse.js'

const STATUSES: readonly WorkflowExecutionStatus[] = ['running', 'waiting', 'completed', 'failed', 'compensated', 'compensation_failed', 'cancelled']
const FINAL: readonly WorkflowExecutionStatus[] = ['completed', 'failed', 'compensated', 'compensation_failed', 'cancelled']
const POLL_MS = 200

export function registerWorkflowCommands(program: Command): void {
  program
    .command('workflow:create')
    .description('Create a workflow definition (or a new version of one) from a JSON or YAML file; the same version again with the same definition is a no-op')
    .requiredOption('-f, --file <path>', 'the definition: .json, or .yaml/.yml (any other name is read as YAML, which includes JSON)')
    .addOption(new Option('--format <format>', 'definition: the seed\'s shape; xstate: a machine config from the Stately visualizer or workflow:export, states carrying meta.step').choices(DEFINITION_FORMATS).default('definition'))
    .action(async (o: { file: string; format: DefinitionFormat }, cmd: Command) => {
      const doc = readDefinitionFile(o.file)
      // Refused before the database is touched; the runtime checks subflow targets and checks again.
      if (o.format === 'xstate') fromXStateJSON(doc)
      else parseWorkflowDefinition(doc)
      await withRuntime(cmd, async (runtime, out) => {
        const w = await runtime.workflows.create(doc, { format: o.format })
        out.result(w, () => out.line(`workflow ${w.id} version ${w.version} stored (${w.definition.steps.length} steps, created ${w.created_at})`))
      })
    })

  program
    .command('workflow:list')
    .description('List workflow definitions: the latest version of each')
    .action(async (_o, cmd: Command) => {
      await withRuntime(cmd, async (runtime, out) => {
        const list = await runtime.workflows.list()
        const rows = list.map((w) => ({ ...w, steps: w.definition.steps.length }))
        out.result(list, () => out.table(rows, ['id', 'version', 'versions', 'name', 'steps', 'created_at']))
      })
    })

  program
    .command('workflow:info <id>')
    .description('Show a workflow definition and its steps (the latest version unless --version)')
    .option('--version <n>', 'this version')
    .action(async (id: string, o: { version?: string }, cmd: Command) => {
      const version = versionOption(o.version)
      await withRuntime(cmd, async (runtime, out) => {
        const w = await runtime.workflows.get(id, version)
        out.result(w, () => printDefinition(out, w))
      })
    })

  program
    .command('workflow:execute <id>')
    .description('Start an execution; it runs in whichever runtime is running (sp start, or a service embedding sp-events). Exit 1 when --wait sees it end other than completed')
    .option('-i, --input <json>', 'the workflow input, a JSON object (its top level is what {{inputs.x}} and condition fields read)')
    .option('--version <n>', 'run this version (default: the latest)')
    .option('--id <execution-id>', 'the execution id (idempotent: an existing id returns that execution)')
    .option('-w, --wait', 'follow it, a line per step, until it ends')
    .option('--wait-timeout <duration>', 'with --wait: give up following after this long, such as 30s or 10m (exit 1; it keeps running)')
    .action(async (id: string, o: { input?: string; version?: string; id?: string; wait?: boolean; waitTimeout?: string }, cmd: Command) => {
      const input = jsonOption(o.input, '--input') ?? {}
      if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new ValidationError('--input', 'must be a JSON object, such as \'{"order_id": 42}\'')
      const version = versionOption(o.version)
      const timeoutMs = o.waitTimeout === undefined ? undefined : parseDuration(o.waitTimeout)
      if (timeoutMs === null) throw new ValidationError('--wait-timeout', `"${o.waitTimeout}" is not a duration: use a number and a unit (ms, s, m, h, d), such as 30s`)
      await withRuntime(cmd, async (runtime, out) => {
        const started = await runtime.workflows.start(id, input, { version, executionId: o.id })
        if (!o.wait) {
          out.result(started, () => out.line(`started execution ${started.id} of ${started.workflow_id} version ${started.workflow_version} (${started.status})`))
          return
        }
        if (!out.json) out.line(`execution ${started.id} of ${started.workflow_id} version ${started.workflow_version}`)
        const done = await follow(started, (eid) => runtime.workflows.getExecution(eid), out, timeoutMs)
        out.result(done, () => out.line(`execution ${done.id} ${done.status}${done.output === null ? '' : `: ${JSON.stringify(done.output)}`}`))
        if (done.status !== 'completed') throw new SpError('execution_failed', `execution ${done.id} ended ${done.status}${done.error ? `: ${done.error}` : ''}`)
      })
    })

  program
    .command('workflow:executions')
    .description('List workflow executions, newest first')
    .option('--workflow <id>', 'only executions of this workflow')
    .addOption(new Option('--status <status>', 'only executions with this status').choices(STATUSES))
    .option('--limit <n>', 'at most this many', '50')
    .action(async (o: { workflow?: string; status?: WorkflowExecutionStatus; limit: string }, cmd: Command) => {
      const limit = intOption(o.limit, '--limit')!
      if (limit < 1 || limit > 10_000) throw new ValidationError('--limit', `must be from 1 to 10000, got ${limit}`)
      await withRuntime(cmd, async (runtime, out) => {
        const list = await runtime.workflows.listExecutions({ workflow_id: o.workflow, status: o.status, limit })
        const rows = list.map((e) => ({ ...e, version: e.workflow_version, steps: e.steps.length }))
        out.result(list, () => out.table(rows, ['id', 'workflow_id', 'version', 'status', 'steps', 'error', 'created_at', 'completed_at']))
      })
    })

  program
    .command('workflow:status <execution>')
    .description('Show an execution: status, current state, steps with attempts and durations, what it waits for and until when, why it failed')
    .action(async (executionId: string, _o, cmd: Command) => {
      await withRuntime(cmd, async (runtime, out) => {
        const e = await runtime.workflows.getExecution(executionId)
        out.result(e, () => printExecution(out, e))
      })
    })

  program
    .command('workflow:cancel <execution>')
    .description('Cancel an execution that has not ended; with --compensate, undo its completed steps (their compensate actions, newest first)')
    .option('--compensate', 'run the compensations of the completed steps')
    .action(async (executionId: string, o: { compensate?: boolean }, cmd: Command) => {
      await withRuntime(cmd, async (runtime, out) => {
        const e = await runtime.workflows.cancel(executionId, { compensate: o.compensate === true })
        out.result(e, () => out.line(`cancelled execution ${e.id}${o.compensate ? ', compensating' : ''} (${e.status})`))
      })
    })

  program
    .command('workflow:export <id>')
    .description('Export the compiled machine: xstate (JSON for the Stately visualizer and createMachine) or mermaid (a stateDiagram-v2 GitHub renders)')
    .addOption(new Option('--format <format>', 'xstate or mermaid').choices(EXPORT_FORMATS).makeOptionMandatory())
    .option('--version <n>', 'this version (default: the latest)')
    .option('-o, --out <file>', 'write it to this file instead of stdout')
    .action(async (id: string, o: { format: ExportFormat; version?: string; out?: string }, cmd: Command) => {
      const version = versionOption(o.version)
      await withRuntime(cmd, async (runtime, out) => {
        const { version: v } = await runtime.workflows.get(id, version)
        const exported = await runtime.workflows.export(id, { format: o.format, version: v })
        const text = typeof exported === 'string' ? exported.replace(/\n?$/, '\n') : JSON.stringify(exported, null, 2) + '\n'
        if (o.out === undefined) {
          // stdout is the artefact; under --json a mermaid text is a JSON string.
          out.result(exported, () => process.stdout.write(text))
          return
        }
        try {
          writeFileSync(o.out, text)
        } catch (err) {
          throw new ValidationError('--out', `cannot write "${o.out}": ${(err as Error).message}`)
        }
        out.result({ id, version: v, format: o.format, file: o.out }, () => out.line(`wrote ${id} version ${v} as ${o.format} to ${o.out}`))
      })
    })
}

function readDefinitionFile(path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ValidationError('--file', code === 'ENOENT' ? `"${path}" does not exist` : `cannot read "${path}": ${(err as Error).message}`)
  }
  const json = /\.json$/i.test(path)
  try {
    return json ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw new ValidationError('--file', `"${path}" is not valid ${json ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`)
  }
}

function versionOption(value: string | undefined): number | undefined {
  const version = intOption(value, '--version')
  if (version !== undefined && version < 1) throw new ValidationError('--version', `must be 1 or more, got ${version}`)
  return version
}

/** Polls the execution, printing each step as it ends and each new wait, until it ends. */
async function follow(
  start: WorkflowExecutionView,
  get: (id: string) => Promise<WorkflowExecutionView>,
  out: Output,
  timeoutMs: number | undefined,
): Promise<WorkflowExecutionView> {
  const printed = new Set<string>()
  let waiting = ''
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs
  for (let e = start; ; e = await get(e.id)) {
    if (!out.json) {
      for (const s of e.steps) {
        if (s.status === 'running' || printed.has(s.key)) continue
        printed.add(s.key)
        out.line(`  ${stepLine(s)}`)
      }
      const now = waitingText(e)
      if (now && now !== waiting) out.line(`  ${now}`)
      waiting = now
    }
    if (FINAL.includes(e.status)) return e
    if (Date.now() > deadline) throw new SpError('unavailable', `execution ${e.id} is still ${e.status} after ${timeoutMs} ms: it goes on; follow it with sp workflow:status ${e.id}`)
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}

function stepLine(s: WorkflowStepView): string {
  const attempts = `${s.attempts} attempt${s.attempts === 1 ? '' : 's'}`
  const took = s.duration_ms === null ? '' : `, ${s.duration_ms} ms`
  return `step ${s.key} ${s.status} (${attempts}${took})${s.error ? `: ${s.error}` : ''}`
}

function waitingText(e: WorkflowExecutionView): string {
  const w = e.waiting_for
  if (!w) return ''
  const what = w.kind === 'event' ? `event ${w.event_type ?? ''}` : 'a timer'
  return `step ${w.step_id} waiting for ${what}${w.until ? ` until ${w.until}` : ''}`
}

function printExecution(out: Output, e: WorkflowExecutionView): void {
  printRecord(out, {
    id: e.id,
    workflow: `${e.workflow_id} version ${e.workflow_version}`,
    status: e.status,
    state: e.state,
    waiting_for: waitingText(e) || null,
    error: e.error,
    input: e.input,
    output: e.output,
    trigger_event_id: e.trigger_event_id,
    created_at: e.created_at,
    updated_at: e.updated_at,
    completed_at: e.completed_at,
  })
  out.line('')
  out.line(`steps (${e.steps.length}):`)
  out.table(e.steps as unknown as Record<string, unknown>[], ['key', 'status', 'attempts', 'duration_ms', 'started_at', 'completed_at', 'error'])
}

function printDefinition(out: Output, w: WorkflowDefinitionRecord): void {
  const d = w.definition
  printRecord(out, { id: w.id, version: w.version, name: w.name, description: w.description, created_at: w.created_at, error_handling: d.error_handling, inputs: d.inputs, outputs: d.outputs })
  out.line('')
  out.line(`steps (${d.steps.length}), starting at ${d.steps[0]?.id}:`)
  const rows = d.steps.map((s) => ({
    id: s.id,
    type: s.type,
    does: summary(s),
    next: nextOf(s),
    retry: s.type === 'action' && s.retry_policy ? `${s.retry_policy.strategy} x${s.retry_policy.max_attempts}` : null,
    timeout_ms: s.type === 'action' ? s.timeout_ms : null,
    compensate: s.type === 'action' && s.compensate ? actionText(s.compensate) : null,
  }))
  out.table(rows, ['id', 'type', 'does', 'next', 'retry', 'timeout_ms', 'compensate'])
}

function actionText(spec: Parameters<typeof normalizeAction>[0]): string {
  const a = normalizeAction(spec)
  const what = a.executor === 'function' ? a.config.name : a.executor === 'command' ? a.config.command : a.executor === 'webhook' ? a.config.url : a.config.type
  return `${a.executor} ${String(what ?? '')}`.trim()
}

/** What a step does, in one cell. */
function summary(s: Step): string {
  const conditions = (cs: { field: string; operator: string; value?: unknown }[]) => cs.map((c) => `${c.field} ${c.operator} ${c.value === undefined ? '' : JSON.stringify(c.value)}`.trim()).join(' and ')
  switch (s.type) {
    case 'action':
      return actionText(s.action)
    case 'condition':
      return conditions(s.conditions)
    case 'parallel':
      return `join ${s.join}: ${s.branches.map((b) => b.join(' > ')).join(' | ')}`
    case 'wait':
      return s.duration !== undefined ? `for ${s.duration}` : `until ${s.until}`
    case 'wait_for_event':
      return `${s.event_type}${s.match ? ` where ${JSON.stringify(s.match)}` : ''}${s.timeout ? ` within ${s.timeout}` : ''}`
    case 'subflow':
      return `${s.workflow_id} ${s.version === undefined ? '(latest)' : `version ${s.version}`}`
    case 'loop':
      return `${s.over !== undefined ? `over ${s.over}` : `while ${conditions(s.while ?? [])}`} (max ${s.max_iterations}): ${s.steps.join(' > ')}`
  }
}

function nextOf(s: Step): string | null {
  if (s.type === 'condition') {
    const yes = s.on_true ?? s.next_steps?.[0]
    const no = s.on_false ?? s.next_steps?.[1]
    return `true: ${yes ?? '-'}, false: ${no ?? '-'}`
  }
  const next = s.next_steps?.join(', ') ?? null
  return s.type === 'wait_for_event' && s.on_timeout ? `${next ?? '-'}; timeout: ${s.on_timeout}` : next
}
