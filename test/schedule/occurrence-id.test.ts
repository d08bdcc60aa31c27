import { describe, expect, it } from 'vitest'
import { occurrenceId, parseOccurrenceId } from '../../src/schedule/index.js'

describe('occurrenceId', () => {
  it('is the schedule id and the nominal time in UTC with milliseconds', () => {
    expect(occurrenceId('sch_1', new Date('2025-03-09T03:30:00-04:00'))).toBe('sch_1@2025-03-09T07:30:00.000Z')
  })

  it('is the same for the same nominal time however it was written', () => {
    expect(occurrenceId('s', new Date(Date.UTC(2025, 0, 1)))).toBe(occurrenceId('s', new Date('2025-01-01T01:00:00+01:00')))
  })

  it('splits back into its parts, even when the schedule id holds an @', () => {
    const id = occurrenceId('team@prod', new Date('2025-01-01T00:00:00.250Z'))
    expect(parseOccurrenceId(id)).toEqual({ scheduleId: 'team@prod', nominal: new Date('2025-01-01T00:00:00.250Z') })
    expect(parseOccurrenceId('no-time-here')).toBeNull()
    expect(parseOccurrenceId('s@2025-01-01')).toBeNull()
  })

  it('refuses an empty schedule id or an invalid date', () => {
    expect(() => occurrenceId('', new Date())).toThrow(TypeError)
    expect(() => occurrenceId('s', new Date('nope'))).toThrow(TypeError)
  })
})
