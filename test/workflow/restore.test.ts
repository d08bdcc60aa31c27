import { describe, expect, it } from 'vitest'
import { Drive, replayFromEveryCheckpoint } from './support/drive.js'

/** Touches every kind of state: action, condition, parallel, wait, loop, wait_for_event, compensation. */
const everything = {
  id: 'everything',
  name: 'Everything',
  version: 1,
  steps: [
    { id: 'begin', type: 'action', action: 'begin', compensate: 'begin.undo', next_steps: ['gate'] },
    { id: 'gate', type: 'condition', conditions: [{ field: 'go', operator: 'eq', value: true }], next_steps: ['fan', 'skip'] },
    { id: 'fan', type: 'parallel', branches: [['nap'], ['each']], next_steps: ['paid'] },
    { id: 'nap', type: 'wait', duration: '3s' },
    { id: 'each', type: 'loop', over: '{{inputs.items}}', steps: ['work'] },
    { id: 'work', type: 'action', action: 'work', inputs: { item: '{{loop.item}}' }, compensate: 'work.undo' },
    { id: 'paid', type: 'wait_for_event', event_type: 'order.paid', match: { 'data.id': '{{inputs.id}}' }, timeout: '1h', next_steps: ['last'] },
    { id: 'last', type: 'action', action: 'last' },
    { id: 'skip', type: 'action', action: 'skip' },
  ],
  error_handling: { on_step_failure: 'fail', on_workflow_failure: 'compensate' },
}

function run(roundTrip: boolean): Drive {
  const drive = new Drive(everything, { steps: { last: { error: 'declined' } } }, { roundTrip })
  drive.start({ input: { go: true, id: 5, items: ['a', 'b'] }, event: { type: 'order.created', data: { id: 5 } } })
  drive.fireTimer('nap:wait')
  drive.publish({ type: 'order.paid', data: { id: 5 } })
  return drive
}

describe('restoring from a JSON checkpoint', () => {
  const plain = run(false)

  it('the scenario runs to compensated, undoing the loop runs and the first step newest first', () => {
    expect(plain.value).toBe('compensated')
    expect(plain.of('runCompensation').map((e) => e.key)).toEqual(['each[1].work', 'each[0].work', 'begin'])
  })

  it('every checkpoint is plain JSON', () => {
    for (const { checkpoint } of plain.history) expect(JSON.stringify(JSON.parse(checkpoint))).toBe(checkpoint)
  })

  it('going through JSON after every transition changes nothing', () => {
    const restored = run(true)
    expect(restored.effects).toEqual(plain.effects)
    expect(restored.history.map((h) => h.checkpoint)).toEqual(plain.history.map((h) => h.checkpoint))
  })

  it('driving on from any checkpoint gives the same effects and outcome', () => {
    const finalCheckpoint = plain.history.at(-1)!.checkpoint
    const replays = replayFromEveryCheckpoint(plain)
    expect(replays).toHaveLength(plain.history.length)
    for (const replay of replays) {
      const expected = plain.history.slice(replay.from + 1).flatMap((h) => h.effects)
      expect(replay.effects, `from checkpoint ${replay.from}`).toEqual(expected)
      expect(replay.checkpoint, `from checkpoint ${replay.from}`).toBe(finalCheckpoint)
    }
  })
})
