import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createCommandExecutor } from '../../src/executors/command.js'
import { FIXTURES, commandOptions, testContext } from './helpers.js'

const executor = createCommandExecutor(commandOptions())
const sh = (script: string, extra: Record<string, unknown> = {}) =>
  executor.execute(executor.validateConfig({ command: 'sh', args: ['-c', script], stdin: 'none', ...extra }), testContext())

describe('command executor: outcomes', () => {
  it('succeeds on exit 0 with stdout as output, parsed when it is JSON', async () => {
    expect(await sh('echo \'{"total": 3}\'')).toMatchObject({ ok: true, output: { total: 3 }, details: { exit_code: 0, signal: null, timed_out: false } })
    expect(await sh('echo plain text')).toMatchObject({ ok: true, output: 'plain text\n' })
  })

  it('retries any non-zero exit by default, with the exit code and stderr recorded', async () => {
    const outcome = await sh('echo boom >&2; exit 3')
    expect(outcome).toMatchObject({ ok: false, retryable: true, details: { exit_code: 3, stderr: 'boom\n' } })
    if (!outcome.ok) expect(outcome.error).toMatch(/exited with code 3: boom/)
    expect(typeof outcome.details?.duration_ms).toBe('number')
  })

  it('retries only the codes in retry_on_exit_codes; any other code is final', async () => {
    expect(await sh('exit 75', { retry_on_exit_codes: [75] })).toMatchObject({ ok: false, retryable: true })
    const final = await sh('exit 2', { retry_on_exit_codes: [75] })
    expect(final).toMatchObject({ ok: false, retryable: false, details: { exit_code: 2 } })
    if (!final.ok) expect(final.error).toMatch(/not in retry_on_exit_codes/)
  })

  it('fails for good when the program cannot be started', async () => {
    // validateConfig refuses a missing program; this is one that vanished after registration.
    const dir = mkdtempSync(join(tmpdir(), 'sp-cmd-'))
    rmSync(dir, { recursive: true })
    const config = { ...executor.validateConfig({ command: join(FIXTURES, 'report.sh') }), command: join(dir, 'gone') }
    const outcome = await executor.execute(config, testContext())
    expect(outcome).toMatchObject({ ok: false, retryable: false })
    if (!outcome.ok) expect(outcome.error).toMatch(/could not be started.*ENOENT/)
  })

  it('runs in the configured working directory', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'sp-cmd-')))
    try {
      expect(await sh('pwd', { cwd: dir })).toMatchObject({ ok: true, output: `${dir}\n` })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
