import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createCommandExecutor } from '../../src/executors/command.js'
import { UnsupportedError, ValidationError } from '../../src/errors.js'
import { FIXTURES, commandOptions } from './helpers.js'

function refusal(run: () => unknown): ValidationError {
  try {
    run()
  } catch (err) {
    if (err instanceof ValidationError) return err
    throw err
  }
  throw new Error('expected a ValidationError')
}

describe('command executor: registration', () => {
  const executor = createCommandExecutor(commandOptions({ env: { PATH: '/usr/local/bin:/usr/bin:/bin' } }))

  it('resolves a bare command on PATH, so the handler runs what was checked', () => {
    expect(executor.validateConfig({ command: 'sh' }).command).toMatch(/^\/(usr\/)?bin\/sh$/)
  })

  it('refuses a command that is not on PATH, naming configuration.command', () => {
    const err = refusal(() => executor.validateConfig({ command: 'no-such-program-sp' }))
    expect(err.field).toBe('configuration.command')
    expect(err.message).toMatch(/"no-such-program-sp" was not found on PATH/)
  })

  it('refuses a missing absolute path and a relative path', () => {
    expect(refusal(() => executor.validateConfig({ command: '/nonexistent/tool' })).message).toMatch(/not an executable file/)
    expect(refusal(() => executor.validateConfig({ command: './tool.sh' })).message).toMatch(/relative path/)
  })

  it('enforces allowedCommands on the resolved path, with globs', () => {
    const limited = createCommandExecutor(commandOptions({ allowedCommands: [`${FIXTURES}*.sh`, '/opt/**/bin/*'] }))
    expect(limited.validateConfig({ command: join(FIXTURES, 'report.sh') }).command).toBe(join(FIXTURES, 'report.sh'))
    const err = refusal(() => limited.validateConfig({ command: process.execPath, args: [] }))
    expect(err.field).toBe('configuration.command')
    expect(err.message).toMatch(/not allowed by executors\.command\.allowedCommands/)
  })

  it('names unknown keys and bad values inside configuration', () => {
    expect(refusal(() => executor.validateConfig({ command: 'sh', shell: true })).field).toBe('configuration.shell')
    expect(refusal(() => executor.validateConfig({ command: 'sh', stdin: 'file' })).field).toBe('configuration.stdin')
    expect(refusal(() => executor.validateConfig({ command: 'sh', cwd: 'relative/dir' })).field).toBe('configuration.cwd')
    expect(refusal(() => executor.validateConfig({ command: 'sh', cwd: '/nonexistent/dir' })).field).toBe('configuration.cwd')
    expect(refusal(() => executor.validateConfig({ command: 'sh', args: ['{{event.data.}}'] })).field).toBe('configuration.args.0')
  })

  it('refuses every command handler when executors.command.enabled is false', () => {
    const disabled = createCommandExecutor(commandOptions({ enabled: false }))
    expect(() => disabled.validateConfig({ command: 'sh' })).toThrow(UnsupportedError)
    expect(() => disabled.validateConfig({ command: 'sh' })).toThrow('executors.command.enabled is false in config/modules.json')
  })
})
