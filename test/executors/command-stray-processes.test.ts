import { expect, it } from 'vitest'
import { createCommandExecutor } from '../../src/executors/command.js'
import { waitFor } from '../support/wait.js'
import { commandOptions, isAlive, testContext } from './helpers.js'

it('stops what a command left running in its process group when it exits, and does not wait for it', async () => {
  const executor = createCommandExecutor(commandOptions())
  // One background sleep keeps stdout open, the other does not; both would outlive the shell.
  const config = executor.validateConfig({
    command: 'sh',
    args: ['-c', 'sleep 30 & a=$!; sleep 30 >/dev/null 2>&1 & echo "[$a, $!]"'],
    stdin: 'none',
    kill_grace_ms: 500,
  })

  const started = Date.now()
  const outcome = await executor.execute(config, testContext())

  expect(outcome).toMatchObject({ ok: true, details: { exit_code: 0, timed_out: false } })
  expect(Date.now() - started).toBeLessThan(5000)
  const pids = outcome.ok ? (outcome.output as number[]) : []
  expect(pids).toHaveLength(2)
  await waitFor(() => pids.every((pid) => !isAlive(pid)), 'the background sleeps to be gone', 3000)
})
