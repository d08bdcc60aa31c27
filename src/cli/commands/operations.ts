import type { Command } from 'commander'
import { loadConfig } from '../../config/load.js'
import { stderrLogger } from '../../runtime/logger.js'
import { globalOptions, withRuntime } from '../context.js'
import { createOutput } from '../output.js'
import { intOption } from '../parse.js'
import { ensureLocalNats } from '../nats-autostart.js'

export function registerOperationCommands(program: Command): void {
  program
    .command('start')
    .description('Run the runtime in the foreground: ingest, dispatch, retries, recovery. Stops cleanly on SIGINT/SIGTERM')
    .option('--no-nats-autostart', 'do not start a local nats-server when none answers')
    .option('--http-port <port>', 'serve inbound webhooks and /healthz on this port (0: a free one); overrides events.http.port')
    .action(async (o: { natsAutostart: boolean; httpPort?: string }, cmd: Command) => {
      const g = globalOptions(cmd)
      const httpPort = intOption(o.httpPort, '--http-port')
      if (httpPort !== undefined && (httpPort < 0 || httpPort > 65_535)) {
        const { ValidationError } = await import('../../errors.js')
        throw new ValidationError('--http-port', `must be a port number from 0 to 65535, got ${httpPort}`)
      }
      loadConfig({ path: g.config }) // refuse a bad config before starting anything
      const log = (line: string) => stderrLogger.info(line)
      const natsChild = o.natsAutostart ? await ensureLocalNats(g.nats, log) : null
      const { createRuntime } = await import('../../runtime/runtime.js')
      const runtime = await createRuntime({ database: g.db, nats: { servers: g.nats }, configPath: g.config, actor: 'runtime', logger: stderrLogger, httpPort })
      let stopping = false
      const stop = async (signal: string) => {
        if (stopping) return
        stopping = true
        stderrLogger.info(`${signal}: draining in-flight work`)
        await runtime.stop()
      }
      process.once('SIGINT', () => void stop('SIGINT'))
      process.once('SIGTERM', () => void stop('SIGTERM'))
      try {
        await runtime.start()
      } catch (err) {
        await runtime.stop().catch(() => {})
        natsChild?.kill('SIGTERM')
        throw err
      }
      const http = runtime.httpAddress()
      if (http) stderrLogger.info(`http: listening on http://${http.host.includes(':') ? `[${http.host}]` : http.host}:${http.port} (POST /webhooks/<source>, GET /healthz)`)
      stderrLogger.info(`ready: runtime ${runtime.id} processes events`, { database: g.db, nats: g.nats })
      try {
        await runtime.stopped
        stderrLogger.info('stopped')
      } finally {
        natsChild?.kill('SIGTERM')
      }
    })

  program
    .command('migrate')
    .description('Create or upgrade the database tables (the runtime also does this when it starts)')
    .action(async (_o, cmd: Command) => {
      const g = globalOptions(cmd)
      const out = createOutput(g.json)
      const { migrateToLatest, openStore } = await import('../../store/database.js')
      const store = openStore(g.db)
      try {
        const result = await migrateToLatest(store.db)
        const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
        out.result({ database: g.db, applied }, () =>
          out.line(applied.length ? `applied ${applied.join(', ')} to ${g.db}` : `${g.db} is up to date`),
        )
      } finally {
        await store.close()
      }
    })

  program
    .command('dlq:list')
    .description('List dead letters: executions that ran out of attempts, and unreadable messages')
    .option('--kind <kind>', 'execution or message')
    .option('--all', 'include dead letters already redriven')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (o: { kind?: 'execution' | 'message'; all?: boolean; limit: string }, cmd: Command) => {
      const limit = intOption(o.limit, '--limit')
      if (o.kind && !['execution', 'message'].includes(o.kind)) {
        const { ValidationError } = await import('../../errors.js')
        throw new ValidationError('--kind', `must be execution or message, got "${o.kind}"`)
      }
      await withRuntime(cmd, async (runtime, out) => {
        const letters = await runtime.deadLetters.list({ kind: o.kind, include_redriven: o.all, limit })
        out.result(letters, () =>
          out.table(letters as unknown as Record<string, unknown>[], ['id', 'kind', 'execution_id', 'event_id', 'subject', 'reason', 'created_at', 'redriven_at']),
        )
      })
    })

  program
    .command('dlq:redrive <id>')
    .description('Run a dead execution again with a fresh attempt budget (same idempotency key)')
    .action(async (id: string, _o, cmd: Command) => {
      await withRuntime(cmd, async (runtime, out) => {
        const result = await runtime.deadLetters.redrive(id)
        out.result({ id, ...result }, () => out.line(`redriving execution ${result.execution_id} of event ${result.event_id}`))
      })
    })

  program
    .command('stats')
    .description('Event counts by type and status, executions by status, average duration per executor')
    .action(async (_o, cmd: Command) => {
      await withRuntime(cmd, async (runtime, out) => {
        const stats = await runtime.stats()
        out.result(stats, () => {
          out.line(`events: ${stats.events.total}  ${Object.entries(stats.events.by_status).map(([k, v]) => `${k}=${v}`).join('  ')}`)
          out.line(`executions: ${Object.entries(stats.executions.by_status).map(([k, v]) => `${k}=${v}`).join('  ') || 'none'}`)
          out.line(`dead letters: ${stats.dead_letters}`)
          out.line('')
          out.table(stats.events.by_type as unknown as Record<string, unknown>[], ['type', 'status', 'count'])
          out.line('')
          out.table(stats.executions.by_executor as unknown as Record<string, unknown>[], ['executor_type', 'count', 'avg_duration_ms'])
        })
      })
    })
}
