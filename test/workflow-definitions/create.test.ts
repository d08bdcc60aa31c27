import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SpError, ValidationError } from '../../src/errors.js'
import { parseWorkflowDefinition } from '../../src/workflow/validate.js'
import { definitionsStore, fixture, type DefinitionsStore } from './support.js'

async function rejection(promise: Promise<unknown>): Promise<SpError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  if (!(err instanceof SpError)) throw new Error(`expected an SpError, got ${String(err)}`)
  return err
}

describe('creating a workflow definition', () => {
  let s: DefinitionsStore
  beforeEach(async () => {
    s = await definitionsStore()
  })
  afterEach(() => s.dispose())

  it('stores the validated definition, with its defaults filled in, and an audit line', async () => {
    const created = await s.api.create(fixture('order-processing.json'))
    expect(created).toMatchObject({ id: 'order-processing', version: 1, name: 'Order Processing Workflow', description: null })
    expect(created.definition).toEqual(parseWorkflowDefinition(fixture('order-processing.json')))
    expect(await s.api.get('order-processing')).toEqual(created)
    const audit = await s.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'workflow.create').execute()
    expect(audit).toMatchObject([{ actor: 'test', entity_type: 'workflow', entity_id: 'order-processing' }])
    expect(JSON.parse(audit[0]!.details!)).toMatchObject({ version: 1, format: 'definition', steps: 4 })
  })

  it('returns the stored version when the same definition is created again, whatever its key order', async () => {
    const first = await s.api.create(fixture('order-processing.json'))
    const reordered = Object.fromEntries(Object.entries(fixture('order-processing.json')).reverse())
    expect(await s.api.create(reordered)).toEqual(first)
    const rows = await s.store.db.selectFrom('workflow_definitions').selectAll().execute()
    expect(rows).toHaveLength(1)
    expect(await s.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'workflow.create').execute()).toHaveLength(1)
  })

  it('refuses a different definition under a stored version, saying to bump the version, and keeps the stored one', async () => {
    const first = await s.api.create(fixture('order-processing.json'))
    const changed = { ...fixture('order-processing.json'), name: 'Renamed' }
    const err = await rejection(s.api.create(changed))
    expect(err.code).toBe('conflict')
    expect(err.message).toMatch(/workflow "order-processing" version 1 exists with a different definition: bump "version"/)
    expect(await s.api.get('order-processing')).toEqual(first)
  })

  it('stores a new version beside the old one; get without a version is the latest', async () => {
    await s.api.create(fixture('order-processing.json'))
    const v2 = await s.api.create({ ...fixture('order-processing.json'), version: 2, name: 'Order Processing v2' })
    expect((await s.api.get('order-processing')).version).toBe(2)
    expect((await s.api.get('order-processing', 1)).name).toBe('Order Processing Workflow')
    expect(await s.api.get('order-processing', 2)).toEqual(v2)
  })

  it('refuses an unknown step in next_steps naming the step and field, and stores nothing', async () => {
    const err = await rejection(s.api.create(fixture('unknown-next-step.json')))
    expect(err).toBeInstanceOf(ValidationError)
    expect((err as ValidationError).field).toBe('steps[1].next_steps[0]')
    expect(err.message).toMatch(/unknown step "nowhere"/)
    expect(await s.store.db.selectFrom('workflow_definitions').selectAll().execute()).toEqual([])
  })

  it('refuses a definition that is not an object, and an unknown format', async () => {
    expect((await rejection(s.api.create('order-processing'))).code).toBe('invalid_input')
    const err = await rejection(s.api.create(fixture('order-processing.json'), { format: 'bpmn' as 'xstate' }))
    expect((err as ValidationError).field).toBe('format')
  })

  it('checks function names only in a process that registers functions', async () => {
    await s.api.create(fixture('order-processing.json'))
    const strict = s.withFunctions(['order.validate', 'payment.process'])
    const err = await rejection(strict.create({ ...fixture('order-processing.json'), version: 2 }))
    expect((err as ValidationError).field).toBe('steps[3].action')
    expect(err.message).toMatch(/unknown function "order.notify_backorder"/)
    const all = s.withFunctions(['order.validate', 'payment.process', 'order.notify_backorder'])
    expect((await all.create({ ...fixture('order-processing.json'), version: 2 })).version).toBe(2)
  })

  it('requires a subflow to name a stored workflow (at its version when pinned), or itself', async () => {
    const parent = (version: number, step: Record<string, unknown>) => ({
      id: 'parent',
      name: 'Parent',
      version,
      steps: [{ id: 'child', type: 'subflow', ...step }],
    })
    const missing = await rejection(s.api.create(parent(1, { workflow_id: 'order-processing' })))
    expect((missing as ValidationError).field).toBe('steps[0].workflow_id')
    expect(missing.message).toMatch(/unknown workflow "order-processing": create it first/)

    await s.api.create(fixture('order-processing.json'))
    expect((await s.api.create(parent(1, { workflow_id: 'order-processing' }))).version).toBe(1)
    const pinned = await rejection(s.api.create(parent(2, { workflow_id: 'order-processing', version: 7 })))
    expect(pinned.message).toMatch(/unknown workflow "order-processing" at version 7/)
    expect((await s.api.create(parent(3, { workflow_id: 'parent' }))).version).toBe(3)
  })
})
