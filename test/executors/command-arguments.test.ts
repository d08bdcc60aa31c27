import { join } from 'node:path'
import { expect, it } from 'vitest'
import { createCommandExecutor } from '../../src/executors/command.js'
import { FIXTURES, commandOptions, testContext, testEvent } from './helpers.js'

it('passes each argument, templates included, as one literal argument, never through a shell', async () => {
  const executor = createCommandExecutor(commandOptions())
  const config = executor.validateConfig({
    command: join(FIXTURES, 'report.sh'),
    args: ['; rm -rf /tmp/x', '{{event.data.note}}', 'order {{event.data.order.id}} for {{event.data.order.customer}}', '$HOME', '*'],
    stdin: 'none',
  })
  const event = testEvent({ data: { note: '$(touch /tmp/pwned) `id` && echo hi | cat', order: { id: 42, customer: "o'brien" } } })

  const outcome = await executor.execute(config, testContext({ event }))

  expect(outcome.ok).toBe(true)
  expect(String(outcome.details?.stdout).split('\n').filter(Boolean)).toEqual([
    '[; rm -rf /tmp/x]',
    '[$(touch /tmp/pwned) `id` && echo hi | cat]',
    "[order 42 for o'brien]",
    '[$HOME]',
    '[*]',
  ])
})
