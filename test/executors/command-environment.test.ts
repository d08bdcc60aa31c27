import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCommandExecutor } from '../../src/executors/command.js'
import { FIXTURES, commandOptions, testContext } from './helpers.js'

interface Report {
  env: Record<string, string>
}

async function reportedEnv(configuration: Record<string, unknown>): Promise<Record<string, string>> {
  const executor = createCommandExecutor(commandOptions())
  const config = executor.validateConfig({ command: process.execPath, args: [join(FIXTURES, 'report.mjs')], stdin: 'none', ...configuration })
  const outcome = await executor.execute(config, testContext({ executionId: 'exe_7', idempotencyKey: 'key-7', attempt: 3 }))
  if (!outcome.ok) throw new Error(outcome.error)
  return (outcome.output as Report).env
}

describe('command executor: environment', () => {
  beforeEach(() => {
    process.env.SECRET_X = 'hunter2'
  })
  afterEach(() => {
    delete process.env.SECRET_X
  })

  it('does not pass a runtime variable such as SECRET_X unless env_allow names it', async () => {
    const env = await reportedEnv({})
    expect(env.SECRET_X).toBeUndefined()
    expect(Object.values(env)).not.toContain('hunter2')
    expect(env.PATH).toBe(process.env.PATH)

    expect((await reportedEnv({ env_allow: ['PATH', 'SECRET_X'] })).SECRET_X).toBe('hunter2')
  })

  it('passes only the default allow-list, the configured env and the SP_ variables', async () => {
    const env = await reportedEnv({ env: { REGION: 'eu-west-1' } })
    const allowed = ['PATH', 'HOME', 'LANG', 'TZ'].filter((name) => process.env[name] !== undefined)
    const sp = ['SP_EVENT_ID', 'SP_EVENT_TYPE', 'SP_EXECUTION_ID', 'SP_IDEMPOTENCY_KEY', 'SP_ATTEMPT']
    expect(Object.keys(env).sort()).toEqual([...allowed, 'REGION', ...sp].sort())
    expect(env).toMatchObject({
      REGION: 'eu-west-1',
      SP_EVENT_ID: 'evt_01',
      SP_EVENT_TYPE: 'order.created',
      SP_EXECUTION_ID: 'exe_7',
      SP_IDEMPOTENCY_KEY: 'key-7',
      SP_ATTEMPT: '3',
    })
  })

  it('refuses configuration that would override an SP_ variable', () => {
    const executor = createCommandExecutor(commandOptions())
    expect(() => executor.validateConfig({ command: process.execPath, env: { SP_ATTEMPT: '1' } })).toThrow(/configuration\.env: must not set SP_EVENT_ID/)
  })
})
