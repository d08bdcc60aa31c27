import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createMachine } from 'xstate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WorkflowDefinitionRecord, WorkflowExecutionView } from '../../src/runtime/workflows-types.js'
import { runSp, spJson, startSp, type SpProcess } from '../support/cli.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

const FIXTURES = resolve(import.meta.dirname, '../fixtures/workflows')
const fixture = (name: string) => join(FIXTURES, name)
const SEED_STEPS = ['validate-order', 'check-inventory', 'process-payment', 'notify-backorder']

/** The ids of the states that carry a step, at any depth. */
function stepStates(state: { states?: Record<string, unknown> }, found: string[] = []): string[] {
  for (const [key, child] of Object.entries(state.states ?? {}) as [string, { meta?: { step?: unknown }; states?: Record<string, unknown> }][]) {
    if (child.meta?.step) found.push(key)
    stepStates(child, found)
  }
  return found
}

describe('sp workflow definitions: create, list, info, export', () => {
  let tmp: ReturnType<typeof tempDir>
  let env: Record<string, string>

  beforeAll(() => {
    tmp = tempDir()
    // Definitions need no NATS: a port nothing listens on.
    env = { SP_DATABASE: join(tmp.dir, 'sp.db'), SP_NATS_URL: 'nats://127.0.0.1:1' }
  })
  afterAll(() => tmp.dispose())

  it('refuses bad input with exit 2 naming the field, before creating the database', async () => {
    const notYaml = join(tmp.dir, 'bad.yaml')
    writeFileSync(notYaml, 'id: [unclosed\n')
    const cases: [string[], RegExp][] = [
      [['workflow:create'], /--file/],
      [['workflow:create', '--file', join(tmp.dir, 'missing.json')], /--file: ".*missing\.json" does not exist/],
      [['workflow:create', '--file', notYaml], /--file: ".*bad\.yaml" is not valid YAML/],
      [['workflow:create', '--file', fixture('order-processing.json'), '--format', 'bpmn'], /--format/],
      [['workflow:create', '--file', fixture('unknown-next-step.json')], /steps\[1\]\.next_steps\[0\]: unknown step "nowhere"/],
      [['workflow:export', 'order-processing'], /--format/],
      [['workflow:info', 'order-processing', '--version', 'two'], /--version: must be a whole number/],
      [['workflow:execute', 'order-processing', '--input', '[1]'], /--input: must be a JSON object/],
      [['workflow:execute', 'order-processing', '--input', '{nope'], /--input: not valid JSON/],
      [['workflow:execute', 'order-processing', '--wait', '--wait-timeout', 'soon'], /--wait-timeout: "soon" is not a duration/],
      [['workflow:executions', '--status', 'done'], /--status/],
      [['workflow:executions', '--limit', '0'], /--limit: must be from 1/],
    ]
    for (const [args, stderr] of cases) {
      const r = await runSp(args, env)
      expect(r.stderr, args.join(' ')).toMatch(stderr)
      expect(r.code, args.join(' ')).toBe(2)
    }
    expect(existsSync(env.SP_DATABASE!)).toBe(false)
  })

  it('names the field of a definition error in --json output', async () => {
    const r = await runSp(['--json', 'workflow:create', '--file', fixture('unknown-next-step.json')], env)
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'invalid_input', field: 'steps[1].next_steps[0]', message: expect.stringMatching(/unknown step "nowhere"/) } })
  })

  it('creates from JSON; the same version from YAML is the same definition, so it is returned unchanged', async () => {
    const fromJson = await spJson<WorkflowDefinitionRecord>(['workflow:create', '--file', fixture('order-processing.json')], env)
    expect(fromJson).toMatchObject({ id: 'order-processing', version: 1, name: 'Order Processing Workflow' })
    expect(fromJson.definition.steps.map((s) => s.id)).toEqual(SEED_STEPS)
    const fromYaml = await spJson<WorkflowDefinitionRecord>(['workflow:create', '--file', fixture('order-processing.yaml')], env)
    expect(fromYaml).toEqual(fromJson)
  })

  it('refuses a different definition under an existing version with exit 1, saying to bump the version', async () => {
    const changed = join(tmp.dir, 'changed.yaml')
    writeFileSync(changed, readFileSync(fixture('order-processing.yaml'), 'utf8').replace('max_attempts: 3', 'max_attempts: 5'))
    const r = await runSp(['workflow:create', '--file', changed], env)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/workflow "order-processing" version 1 exists with a different definition: bump "version"/)
    const bumped = join(tmp.dir, 'bumped.yaml')
    writeFileSync(bumped, readFileSync(changed, 'utf8').replace('version: 1', 'version: 2'))
    expect((await spJson<WorkflowDefinitionRecord>(['workflow:create', '--file', bumped], env)).version).toBe(2)
  })

  it('lists the latest version of each workflow and shows a definition with its steps', async () => {
    const list = await spJson<(WorkflowDefinitionRecord & { versions: number })[]>(['workflow:list'], env)
    expect(list.map((w) => [w.id, w.version, w.versions])).toEqual([['order-processing', 2, 2]])
    const table = await runSp(['workflow:list'], env)
    expect(table.stdout).toMatch(/^ID\s+VERSION\s+VERSIONS\s+NAME/)

    const info = await runSp(['workflow:info', 'order-processing', '--version', '1'], env)
    expect(info.code).toBe(0)
    expect(info.stdout).toMatch(/^version\s+1$/m)
    expect(info.stdout).toMatch(/check-inventory\s+condition\s+inventory\.available gte .*true: process-payment, false: notify-backorder/)
    expect(info.stdout).toMatch(/process-payment\s+action\s+function payment\.process\s+-\s+exponential x3/)
    const missing = await runSp(['workflow:info', 'order-processing', '--version', '9'], env)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/has no version 9: its versions are 1, 2/)
  })

  it('exports XState JSON that createMachine loads, with a state per step, and imports it back as the same definition', async () => {
    const file = join(tmp.dir, 'machine.json')
    const wrote = await spJson<{ file: string; version: number }>(['workflow:export', 'order-processing', '--version', '1', '--format', 'xstate', '--out', file], env)
    expect(wrote).toMatchObject({ file, version: 1 })
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    const machine = createMachine(json)
    expect(machine.id).toBe('order-processing')
    expect(stepStates(json).sort()).toEqual([...SEED_STEPS].sort())
    // The same machine on stdout.
    expect(await spJson(['workflow:export', 'order-processing', '--version', '1', '--format', 'xstate'], env)).toEqual(json)

    const other = { ...env, SP_DATABASE: join(tmp.dir, 'other.db') }
    const imported = await spJson<WorkflowDefinitionRecord>(['workflow:create', '--file', file, '--format', 'xstate'], other)
    const original = await spJson<WorkflowDefinitionRecord>(['workflow:info', 'order-processing', '--version', '1'], env)
    expect(imported.definition).toEqual(original.definition)
    // In the first database it is the stored version 1 itself.
    expect(await spJson(['workflow:create', '--file', file, '--format', 'xstate'], env)).toEqual(original)
  })

  it('exports a mermaid stateDiagram-v2 naming every step', async () => {
    const r = await runSp(['workflow:export', 'order-processing', '--format', 'mermaid'], env)
    expect(r.code).toBe(0)
    expect(r.stdout.startsWith('stateDiagram-v2')).toBe(true)
    for (const step of SEED_STEPS) expect(r.stdout).toContain(`"${step}"`)
    const asJson = await spJson<string>(['workflow:export', 'order-processing', '--format', 'mermaid'], env)
    expect(asJson).toBe(r.stdout)
  })
})

describe('sp workflow executions against a running sp start', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let env: Record<string, string>
  let sp: SpProcess

  /** Writes a definition to a file and creates it. */
  async function create(definition: Record<string, unknown>): Promise<void> {
    const file = join(tmp.dir, `${String(definition.id)}.json`)
    writeFileSync(file, JSON.stringify(definition))
    await spJson(['workflow:create', '--file', file], env)
  }
  const exitWith = (code: number) => ({ executor: 'command', config: { command: process.execPath, args: ['-e', `process.exit(${code})`] } })
  const emit = (type: string) => ({ executor: 'emit', config: { type, data: { order: '{{inputs.order_id}}' } } })

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    env = { SP_DATABASE: join(tmp.dir, 'sp.db'), SP_NATS_URL: nats.url }
    await spJson(['workflow:create', '--file', fixture('command-and-emit.json')], env)
    await create({
      id: 'undo-on-failure',
      name: 'Compensates the first step when the second fails',
      version: 1,
      steps: [
        { id: 'reserve', type: 'action', action: exitWith(0), compensate: emit('order.released'), next_steps: ['charge'] },
        { id: 'charge', type: 'action', action: exitWith(3), retry_policy: { strategy: 'fixed', max_attempts: 2, initial_delay_ms: 50 } },
      ],
      error_handling: { on_step_failure: 'fail', on_workflow_failure: 'compensate' },
    })
    await create({
      id: 'await-payment',
      name: 'Waits for the payment of an order',
      version: 1,
      steps: [
        { id: 'paid', type: 'wait_for_event', event_type: 'order.paid', match: { 'data.order': '{{inputs.order_id}}' }, timeout: '10m', next_steps: ['ship'] },
        { id: 'ship', type: 'action', action: emit('order.shipped') },
      ],
    })
    sp = await startSp(env)
  })

  afterAll(async () => {
    if (sp && sp.child.exitCode === null) {
      sp.child.kill('SIGTERM')
      await sp.exited
    }
    await nats?.dispose()
    tmp?.dispose()
  })

  it('runs an execution to completion with --wait, a line per step, and exit 0', async () => {
    const r = await runSp(['workflow:execute', 'command-and-emit', '--input', '{"order_id":"o-1"}', '--wait', '--wait-timeout', '30s'], env)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^execution wfx_\S+ of command-and-emit version 1$/m)
    expect(r.stdout).toMatch(/^ {2}step check completed \(1 attempt, \d+ ms\)$/m)
    expect(r.stdout).toMatch(/^ {2}step pause waiting for a timer until \S+Z$/m)
    expect(r.stdout).toMatch(/^execution \S+ completed/m)
  })

  it('starts an execution under a given id, idempotently, and shows its status and steps', async () => {
    const started = await spJson<WorkflowExecutionView>(['workflow:execute', 'command-and-emit', '--input', '{"order_id":"o-2"}', '--id', 'order-o-2'], env)
    expect(started).toMatchObject({ id: 'order-o-2', workflow_id: 'command-and-emit', workflow_version: 1, input: { order_id: 'o-2' } })
    const again = await spJson<WorkflowExecutionView>(['workflow:execute', 'command-and-emit', '--input', '{"order_id":"o-2"}', '--id', 'order-o-2'], env)
    expect(again.id).toBe('order-o-2')
    const done = await waitFor(async () => {
      const e = await spJson<WorkflowExecutionView>(['workflow:status', 'order-o-2'], env)
      return e.status === 'completed' ? e : null
    }, 'order-o-2 completed')
    // Emit steps and waits are transitions of the machine, not runs: the runs are the command's.
    expect(done.steps.map((s) => [s.step_id, s.status, s.attempts])).toEqual([['check', 'completed', 1]])
    expect(done.steps[0]!.duration_ms).toBeGreaterThanOrEqual(0)
    expect(done.completed_at).not.toBeNull()
    const human = await runSp(['workflow:status', 'order-o-2'], env)
    expect(human.stdout).toMatch(/^status\s+completed$/m)
    expect(human.stdout).toMatch(/^check\s+completed\s+1\s+\d+/m)
    const events = await spJson<{ type: string }[]>(['event:list', '--type', 'order.confirmed'], env)
    expect(events.length).toBeGreaterThanOrEqual(2)
  })

  it('exits 1 when the execution ends compensated, having retried the failing step and undone the first', async () => {
    const r = await runSp(['workflow:execute', 'undo-on-failure', '--wait', '--wait-timeout', '30s'], env)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/step charge failed \(2 attempts/)
    expect(r.stderr).toMatch(/ended compensated/)
    const id = /^execution (\S+) of/m.exec(r.stdout)![1]!
    const e = await spJson<WorkflowExecutionView>(['workflow:status', id], env)
    expect(e.status).toBe('compensated')
    expect(e.error).toBeTruthy()
    expect(await spJson<unknown[]>(['event:list', '--type', 'order.released'], env)).toHaveLength(1)
  })

  it('shows what a waiting execution waits for and until when, lists it, and cancels it', async () => {
    const started = await spJson<WorkflowExecutionView>(['workflow:execute', 'await-payment', '--input', '{"order_id":"o-3"}'], env)
    const waiting = await waitFor(async () => {
      const e = await spJson<WorkflowExecutionView>(['workflow:status', started.id], env)
      return e.status === 'waiting' ? e : null
    }, 'await-payment waiting')
    expect(waiting.waiting_for).toMatchObject({ kind: 'event', step_id: 'paid', event_type: 'order.paid' })
    expect(Date.parse(waiting.waiting_for!.until!)).toBeGreaterThan(Date.now() + 9 * 60_000)
    const human = await runSp(['workflow:status', started.id], env)
    expect(human.stdout).toMatch(/^waiting_for\s+step paid waiting for event order\.paid until \S+Z$/m)

    const listed = await spJson<WorkflowExecutionView[]>(['workflow:executions', '--workflow', 'await-payment', '--status', 'waiting'], env)
    expect(listed.map((e) => e.id)).toEqual([started.id])

    const cancelled = await spJson<WorkflowExecutionView>(['workflow:cancel', started.id], env)
    expect(cancelled.status).toBe('cancelled')
    const again = await runSp(['workflow:cancel', started.id], env)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already cancelled/)
    const all = await spJson<WorkflowExecutionView[]>(['workflow:executions', '--limit', '2'], env)
    expect(all[0]!.id).toBe(started.id)
    expect(all).toHaveLength(2)
  })

  it('exits 1 naming an execution that does not exist', async () => {
    const r = await runSp(['workflow:status', 'wfx_nope'], env)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/workflow execution "wfx_nope" not found/)
  })
})
