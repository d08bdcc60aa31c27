import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSp, spJson, startSp, type SpProcess } from '../support/cli.js'
import { freePort, startNatsServer, type TestNatsServer } from '../support/nats-server.js'
import { tempDir } from '../support/runtime.js'
import { newSecret, postSigned } from './helpers.js'

describe('sp start --http-port', () => {
  let nats: TestNatsServer
  let tmp: ReturnType<typeof tempDir>
  let env: Record<string, string>
  let sp: SpProcess | undefined
  const secret = newSecret()

  beforeAll(async () => {
    nats = await startNatsServer()
    tmp = tempDir()
    const config = join(tmp.dir, 'modules.json')
    // No port in the file: the flag alone turns the server on.
    writeFileSync(config, JSON.stringify({ events: { http: { webhooks: { shop: { secret } } } } }))
    env = { SP_DATABASE: join(tmp.dir, 'sp.db'), SP_NATS_URL: nats.url, SP_CONFIG: config }
  })

  afterAll(async () => {
    if (sp && sp.child.exitCode === null) {
      sp.child.kill('SIGTERM')
      await sp.exited
    }
    await nats?.dispose()
    tmp?.dispose()
  })

  it('serves inbound webhooks on the given port and logs where it listens', async () => {
    const port = await freePort()
    sp = await startSp(env, ['--http-port', String(port)])
    expect(sp.log()).toContain(`http: listening on http://127.0.0.1:${port}`)
    const reply = await postSigned(`http://127.0.0.1:${port}/webhooks/shop`, '{"order":42}', { secret, id: 'msg_cli_1' })
    expect(reply.status).toBe(202)
    const event = await spJson<{ type: string; trigger_type: string; trigger_id: string; data: unknown }>(['event:info', reply.body.id as string], env)
    expect(event).toMatchObject({ type: 'webhook.shop', trigger_type: 'webhook', trigger_id: 'msg_cli_1', data: { order: 42 } })
    sp.child.kill('SIGTERM')
    expect((await sp.exited).code).toBe(0)
  })

  it('refuses a port that is not a number with exit code 2', async () => {
    const r = await runSp(['start', '--no-nats-autostart', '--http-port', 'eighty'], env)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--http-port')
  })
})
