import { connect } from '@nats-io/transport-node'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSp, spJson, startSp, type SpProcess } from '../support/cli.js'
import { startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir } from '../support/runtime.js'
import { waitFor } from '../support/wait.js'

interface EventInfo {
  id: string
  status: string
  executions: { status: string; attempts: number; handler_id: string | null; listener_id: string | null; attempt_history: { attempt: number; started_at: string }[] }[]
}

/** A command handler that appends "<tag> <idempotency key>" to a file: what ran, and how often. */
function appendCommand(file: string, tag: string): string {
  return JSON.stringify({
    command: process.execPath,
    args: ['-e', `require('fs').appendFileSync(${JSON.stringify(file)}, ${JSON.stringify(tag)} + ' ' + process.env.SP_IDEMPOTENCY_KEY + '\\n')`],
  })
}

describe('sp drives the runtime end to end', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let env: Record<string, string>
  let sp: SpProcess
  let ran: string

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    ran = join(tmp.dir, 'ran.txt')
    writeFileSync(ran, '')
    env = { SP_DATABASE: join(tmp.dir, 'sp.db'), SP_NATS_URL: nats.url }
    await spJson(['handler:register', '--event-type', 'user.signup', '--executor', 'command', '--config', appendCommand(ran, 'exact')], env)
    await spJson(['listener:register', '--pattern', 'user.*', '--executor', 'command', '--config', appendCommand(ran, 'star')], env)
    await spJson(['listener:register', '--pattern', 'user.>', '--executor', 'command', '--config', appendCommand(ran, 'gt')], env)
  })

  afterAll(async () => {
    if (sp && sp.child.exitCode === null) {
      sp.child.kill('SIGTERM')
      await sp.exited
    }
    await nats?.dispose()
    tmp?.dispose()
  })

  it('shows an event created with no runtime running at once, and processes it once one starts', async () => {
    const created = await spJson<{ id: string; status: string }>(['event:create', '-t', 'user.created', '-d', '{"n":1}'], env)
    const info = await spJson<EventInfo>(['event:info', created.id], env)
    expect(info).toMatchObject({ id: created.id, status: 'pending', executions: [] })
    sp = await startSp(env)
    await waitFor(async () => (await spJson<EventInfo>(['event:info', created.id], env)).status === 'completed', 'user.created completed')
    const lines = readFileSync(ran, 'utf8').trim().split('\n')
    // user.created matches both listeners but not the user.signup handler.
    expect(lines.map((l) => l.split(' ')[0]).sort()).toEqual(['gt', 'star'])
  })

  it('runs the handler and the * and > listeners once each for an outside publish', async () => {
    writeFileSync(ran, '')
    const nc = await connect({ servers: nats.url })
    nc.publish('sp.events.user.signup', JSON.stringify({ data: { email: 'x@example.com' } }))
    await nc.flush()
    await nc.close()
    const event = await waitFor(async () => {
      const list = await spJson<{ id: string; status: string }[]>(['event:list', '--type', 'user.signup'], env)
      return list.find((e) => e.status === 'completed')
    }, 'outside user.signup completed')
    const info = await spJson<EventInfo>(['event:info', event.id], env)
    expect(info.executions.map((e) => e.status)).toEqual(['completed', 'completed', 'completed'])
    const lines = readFileSync(ran, 'utf8').trim().split('\n')
    expect(lines.map((l) => l.split(' ')[0]).sort()).toEqual(['exact', 'gt', 'star'])
    // Each key is <event id>:<handler or listener id>.
    for (const l of lines) expect(l.split(' ')[1]).toMatch(new RegExp(`^${event.id}:(hnd|lsn)_`))
    // A deeper type reaches only the > listener.
    writeFileSync(ran, '')
    const deep = await spJson<{ id: string }>(['event:create', '-t', 'user.profile.updated'], env)
    await waitFor(async () => (await spJson<EventInfo>(['event:info', deep.id], env)).status === 'completed', 'deep event completed')
    expect(readFileSync(ran, 'utf8').trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['gt'])
  })

  it('ends a command that always fails after max_attempts at the policy delays, in the dead letters, and redrives it', async () => {
    const marker = join(tmp.dir, 'fixed')
    const config = JSON.stringify({
      command: process.execPath,
      args: ['-e', `process.exit(require('fs').existsSync(${JSON.stringify(marker)}) ? 0 : 7)`],
    })
    await spJson(['handler:register', '--event-type', 'job.flaky', '--executor', 'command', '--config', config, '--retry', '{"strategy":"fixed","max_attempts":3,"initial_delay_ms":300}'], env)
    const created = await spJson<{ id: string }>(['event:create', '-t', 'job.flaky'], env)
    const failed = await waitFor(async () => {
      const info = await spJson<EventInfo>(['event:info', created.id], env)
      return info.status === 'failed' ? info : null
    }, 'job.flaky failed')
    const execution = failed.executions[0]!
    expect(execution).toMatchObject({ status: 'failed', attempts: 3 })
    const starts = execution.attempt_history.map((a) => Date.parse(a.started_at))
    expect(execution.attempt_history.map((a) => a.attempt)).toEqual([1, 2, 3])
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(290)
    const letters = await spJson<{ id: string; execution_id: string; reason: string }[]>(['dlq:list', '--kind', 'execution'], env)
    const letter = letters.find((l) => l.execution_id === (execution as unknown as { id: string }).id)!
    expect(letter.reason).toMatch(/gave up after 3 of 3 attempts/)

    writeFileSync(marker, '')
    const redrive = await runSp(['dlq:redrive', letter.id], env)
    expect(redrive.code).toBe(0)
    const done = await waitFor(async () => {
      const info = await spJson<EventInfo>(['event:info', created.id], env)
      return info.status === 'completed' ? info : null
    }, 'job.flaky completed after redrive')
    expect(done.executions[0]).toMatchObject({ status: 'completed', attempts: 4 })
    expect((await spJson<unknown[]>(['dlq:list'], env)).length).toBe(0)
    // A second redrive of the same letter is refused.
    expect((await runSp(['dlq:redrive', letter.id], env)).code).toBe(1)
  })

  it('stops cleanly on SIGTERM', async () => {
    sp.child.kill('SIGTERM')
    const exit = await sp.exited
    expect(exit.code).toBe(0)
    expect(sp.log()).toMatch(/SIGTERM: draining/)
    expect(sp.log()).toMatch(/\bstopped\b/)
  })
})
