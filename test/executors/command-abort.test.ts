import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { createCommandExecutor } from '../../src/executors/command.js'
import { waitFor } from '../support/wait.js'
import { FIXTURES, commandOptions, isAlive, testContext } from './helpers.js'

it('stops the whole process group when the runtime aborts the attempt', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-cmd-'))
  try {
    const pidFile = join(dir, 'pids.json')
    const executor = createCommandExecutor(commandOptions())
    const config = executor.validateConfig({
      command: process.execPath,
      args: [join(FIXTURES, 'ignore-term-with-child.mjs'), pidFile],
      timeout_ms: 60_000,
      kill_grace_ms: 200,
    })
    const controller = new AbortController()
    const running = executor.execute(config, testContext({ signal: controller.signal }))
    const pids = await waitFor(() => {
      try {
        return JSON.parse(readFileSync(pidFile, 'utf8')) as { parent: number; child: number }
      } catch {
        return undefined
      }
    }, 'the fixture to write its pids')
    const abortedAt = Date.now()
    controller.abort()

    const outcome = await running
    expect(Date.now() - abortedAt).toBeLessThan(3000)
    expect(outcome).toMatchObject({ ok: false, retryable: true, details: { timed_out: false } })
    if (!outcome.ok) expect(outcome.error).toMatch(/aborted/)
    await waitFor(() => !isAlive(pids.parent) && !isAlive(pids.child), 'parent and child to be gone', 3000)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
