import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCommandExecutor } from '../../src/executors/command.js'
import { waitFor } from '../support/wait.js'
import { FIXTURES, commandOptions, isAlive, testContext } from './helpers.js'

describe('command executor: timeout', () => {
  const dirs: string[] = []
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

  it('kills a command that ignores SIGTERM, and the child it spawned, after timeout plus grace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-cmd-'))
    dirs.push(dir)
    const pidFile = join(dir, 'pids.json')
    const executor = createCommandExecutor(commandOptions())
    const config = executor.validateConfig({
      command: process.execPath,
      args: [join(FIXTURES, 'ignore-term-with-child.mjs'), pidFile],
      timeout_ms: 1000,
      kill_grace_ms: 500,
      stdin: 'none',
    })

    const started = Date.now()
    const running = executor.execute(config, testContext())
    const pids = await waitFor(() => {
      try {
        return JSON.parse(readFileSync(pidFile, 'utf8')) as { parent: number; child: number }
      } catch {
        return undefined
      }
    }, 'the fixture to write its pids')
    expect(isAlive(pids.parent)).toBe(true)
    expect(isAlive(pids.child)).toBe(true)

    const outcome = await running
    const elapsed = Date.now() - started
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.retryable).toBe(true)
    expect(outcome.error).toMatch(/timed out after 1000 ms/)
    expect(outcome.details).toMatchObject({ timed_out: true, signal: 'SIGKILL', exit_code: null })
    // SIGTERM at 1 s is ignored; SIGKILL to the group at 1.5 s.
    expect(elapsed).toBeGreaterThanOrEqual(1400)
    expect(elapsed).toBeLessThan(6000)
    await waitFor(() => !isAlive(pids.parent) && !isAlive(pids.child), 'parent and child to be gone', 3000)
  })
})
