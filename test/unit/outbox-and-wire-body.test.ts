import { describe, expect, it } from 'vitest'
import { wireEventBodySchema } from '../../src/model/event.js'
import { wireBodyOfRow } from '../../src/runtime/event-publisher.js'
import { LocalOutbox } from '../../src/runtime/local-outbox.js'
import { toEventRecord, type EventRow } from '../../src/store/repositories/events.js'

function row(id: string, extra: Partial<EventRow> = {}): EventRow {
  return {
    id,
    name: 'order "created"',
    type: 'order.created',
    priority: 'high',
    priority_rank: 2,
    data: JSON.stringify({ id: 1, note: 'ünïcode \u2028 "quoted"', nested: { list: [1, null, true] } }),
    metadata: '{"source":"test"}',
    trigger_type: 'api',
    trigger_id: null,
    status: 'pending',
    scheduled_at: null,
    published_at: null,
    routed_at: null,
    open_executions: 0,
    failed_executions: 0,
    created_at: '2026-11-30T10:00:00.000Z',
    updated_at: '2026-11-30T10:00:00.000Z',
    completed_at: null,
    error: null,
    ...extra,
  }
}

describe('the message body built from a stored row', () => {
  it('carries the stored event without its type and id (subject and header hold them), and ingest accepts it', () => {
    for (const r of [row('evt_1'), row('evt_2', { trigger_type: 'scheduled', trigger_id: 'sch_1@2026-11-30T10:00:00.000Z' })]) {
      const fromRow = JSON.parse(wireBodyOfRow(r)) as unknown
      const e = toEventRecord(r)
      expect(fromRow).toEqual({
        name: e.name,
        priority: e.priority,
        data: e.data,
        metadata: e.metadata,
        trigger_type: e.trigger_type,
        ...(e.trigger_id ? { trigger_id: e.trigger_id } : {}),
        created_at: e.created_at,
      })
      expect(wireEventBodySchema.safeParse(fromRow).success).toBe(true)
    }
  })
})

describe('the local outbox', () => {
  it('keeps pending events only while active, hands each out once, and forgets the oldest past its capacity', () => {
    const outbox = new LocalOutbox(2)
    outbox.remember([row('evt_a')])
    expect(outbox.take('evt_a')).toBeUndefined()

    outbox.setActive(true)
    outbox.remember([row('evt_a'), row('evt_held', { status: 'scheduled' }), row('evt_b'), row('evt_c')])
    expect(outbox.take('evt_held')).toBeUndefined()
    expect(outbox.take('evt_a')).toBeUndefined()
    expect(outbox.take('evt_b')).toMatchObject({ id: 'evt_b', data: { id: 1 }, metadata: { source: 'test' } })
    expect(outbox.take('evt_b')).toBeUndefined()
    expect(outbox.take('evt_c')?.id).toBe('evt_c')

    outbox.remember([row('evt_d')])
    outbox.setActive(false)
    expect(outbox.take('evt_d')).toBeUndefined()
  })
})
