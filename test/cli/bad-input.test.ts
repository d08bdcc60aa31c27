import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSp } from '../support/cli.js'
import { tempDir } from '../support/runtime.js'

describe('sp refuses bad input with exit 2, names the field, and writes nothing', () => {
  let tmp: ReturnType<typeof tempDir>
  let env: Record<string, string>

  beforeAll(() => {
    tmp = tempDir()
    // No NATS needed: input is refused before anything connects. A port nothing listens on.
    env = { SP_DATABASE: join(tmp.dir, 'sp.db'), SP_NATS_URL: 'nats://127.0.0.1:1' }
  })
  afterAll(() => tmp.dispose())

  const cases: [string, string[], RegExp][] = [
    ['event:create without a type', ['event:create'], /--type/],
    ['event:create with a type that is not a subject', ['event:create', '-t', 'user signup'], /type: not a valid subject/],
    ['event:create with data that is not JSON', ['event:create', '-t', 'a.b', '-d', '{nope'], /--data: not valid JSON/],
    ['event:create with data that is not an object', ['event:create', '-t', 'a.b', '-d', '[1]'], /data: /],
    ['event:create with an unknown priority', ['event:create', '-t', 'a.b', '-p', 'urgent'], /priority: /],
    ['event:create with a bad trigger type', ['event:create', '-t', 'a.b', '--trigger-type', 'cron'], /trigger_type: /],
    ['event:create with a time without zone', ['event:create', '-t', 'a.b', '--schedule-at', '2030-01-01 10:00'], /scheduled_at: /],
    ['event:list with a bad status', ['event:list', '--status', 'done'], /status: /],
    ['event:list with a limit that is not a number', ['event:list', '--limit', 'ten'], /--limit: must be a whole number/],
    ['handler:register with an unknown executor', ['handler:register', '--event-type', 'a.b', '--executor', 'ftp'], /executor_type: /],
    ['handler:register with a bad retry policy', ['handler:register', '--event-type', 'a.b', '--executor', 'command', '--config', '{"command":"/bin/true"}', '--retry', '{"strategy":"random"}'], /retry_policy.strategy: /],
    ['handler:register with conditions that are not a list', ['handler:register', '--event-type', 'a.b', '--executor', 'command', '--config', '{"command":"/bin/true"}', '--conditions', '{}'], /conditions: /],
    ['handler:register with a bad operator', ['handler:register', '--event-type', 'a.b', '--executor', 'command', '--config', '{"command":"/bin/true"}', '--conditions', '[{"field":"data.x","operator":"like","value":1}]'], /conditions.0.operator: /],
    ['handler:register with a bad timeout', ['handler:register', '--event-type', 'a.b', '--executor', 'command', '--timeout-ms', '5s'], /--timeout-ms: /],
    ['listener:register with a bad pattern', ['listener:register', '--pattern', 'user.>.x', '--executor', 'command'], /event_pattern: /],
    ['dlq:list with a bad kind', ['dlq:list', '--kind', 'poison'], /--kind: /],
    ['an unknown command', ['event:explode'], /unknown command/],
    ['an unknown option', ['event:list', '--colour'], /unknown option/],
  ]

  for (const [name, args, stderr] of cases) {
    it(`refuses ${name}`, async () => {
      const r = await runSp(args, env)
      expect(r.stderr).toMatch(stderr)
      expect(r.code).toBe(2)
      expect(existsSync(env.SP_DATABASE!)).toBe(false)
    })
  }

  it('refuses a config file with an unknown key, naming its path', async () => {
    const { writeFileSync } = await import('node:fs')
    const config = join(tmp.dir, 'modules.json')
    writeFileSync(config, JSON.stringify({ events: { processing: { maxConcurentEvents: 5 } } }))
    const r = await runSp(['--config', config, 'event:list'], env)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/events\.processing\.maxConcurentEvents: unknown key/)
  })

  it('refuses a handler whose command is not on PATH, before storing it', async () => {
    const r = await runSp(['handler:register', '--event-type', 'a.b', '--executor', 'command', '--config', '{"command":"no-such-command-xyz"}'], env)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/configuration\.command: "no-such-command-xyz" was not found on PATH/)
    const list = await runSp(['--json', 'handler:list'], env)
    expect(JSON.parse(list.stdout)).toEqual([])
  })
})
