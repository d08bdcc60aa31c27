import { join } from 'node:path'
import { expect, it } from 'vitest'
import { createCommandExecutor } from '../../src/executors/command.js'
import { FIXTURES, commandOptions, testContext } from './helpers.js'

const report = join(FIXTURES, 'report.mjs')

it('writes the event as JSON to stdin by default, and nothing with stdin: none', async () => {
  const executor = createCommandExecutor(commandOptions())
  const ctx = testContext()

  const withEvent = await executor.execute(executor.validateConfig({ command: process.execPath, args: [report] }), ctx)
  if (!withEvent.ok) throw new Error(withEvent.error)
  expect(JSON.parse((withEvent.output as { stdin: string }).stdin)).toEqual(ctx.event)

  const without = await executor.execute(executor.validateConfig({ command: process.execPath, args: [report], stdin: 'none' }), ctx)
  if (!without.ok) throw new Error(without.error)
  expect((without.output as { stdin: string }).stdin).toBe('')
})
