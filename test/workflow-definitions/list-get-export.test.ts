import { createMachine } from 'xstate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SpError, ValidationError } from '../../src/errors.js'
import { definitionsStore, fixture, type DefinitionsStore } from './support.js'

describe('listing, reading and exporting definitions', () => {
  let s: DefinitionsStore
  beforeAll(async () => {
    s = await definitionsStore()
    await s.api.create(fixture('order-processing.json'))
    await s.api.create({ ...fixture('order-processing.json'), version: 2, description: 'second' })
    await s.api.create(fixture('emit-only.json'))
  })
  afterAll(() => s.dispose())

  it('lists the latest version of each workflow, by id, with its number of versions', async () => {
    const list = await s.api.list()
    expect(list.map((w) => [w.id, w.version, w.versions, w.description])).toEqual([
      ['emit-only', 1, 1, null],
      ['order-processing', 2, 2, 'second'],
    ])
    expect(list[1]!.definition.steps).toHaveLength(4)
  })

  it('says which versions exist when asked for one that does not', async () => {
    const err = (await s.api.get('order-processing', 5).catch((e: SpError) => e)) as SpError
    expect(err.code).toBe('not_found')
    expect(err.message).toMatch(/workflow "order-processing" has no version 5: its versions are 1, 2/)
    expect(((await s.api.get('nope').catch((e: SpError) => e)) as SpError).code).toBe('not_found')
    expect(((await s.api.get('order-processing', 0).catch((e: ValidationError) => e)) as ValidationError).field).toBe('version')
  })

  it('exports XState JSON that createMachine loads, with a state per step', async () => {
    const json = (await s.api.export('order-processing', { format: 'xstate', version: 1 })) as Record<string, unknown>
    const machine = createMachine(JSON.parse(JSON.stringify(json)))
    expect(machine.id).toBe('order-processing')
    const text = JSON.stringify(json)
    for (const step of ['validate-order', 'check-inventory', 'process-payment', 'notify-backorder']) expect(text).toContain(`"${step}":{`)
  })

  it('imports its own XState export as an equivalent definition', async () => {
    const { definition } = await s.api.get('emit-only')
    const json = await s.api.export('emit-only', { format: 'xstate' })
    const other = await definitionsStore()
    try {
      const imported = await other.api.create(json, { format: 'xstate' })
      expect(imported.definition).toEqual(definition)
      // Idempotent across formats: the same definition, written as a definition.
      expect(await other.api.create(definition)).toEqual(imported)
    } finally {
      await other.dispose()
    }
  })

  it('exports a mermaid stateDiagram-v2 naming every step, and refuses other formats', async () => {
    const text = (await s.api.export('order-processing', { format: 'mermaid' })) as string
    expect(text.startsWith('stateDiagram-v2')).toBe(true)
    for (const step of ['validate-order', 'check-inventory', 'process-payment', 'notify-backorder']) expect(text).toContain(step)
    const err = (await s.api.export('order-processing', { format: 'png' as 'mermaid' }).catch((e: ValidationError) => e)) as ValidationError
    expect(err.field).toBe('format')
  })
})
