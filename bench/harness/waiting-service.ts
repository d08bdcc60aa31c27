/**
 * The runtime of W4 in a child process, so its RSS is its own. Env: SP_DATABASE, SP_NATS_URL,
 * SP_EXECUTIONS, SP_CONCURRENCY. After `ready`, starts SP_EXECUTIONS executions of `bench-w4`
 * (input `{seq}`), prints `parked {park_ms}`; on the stdin line `release`, creates each one's
 * event, prints `released {release_ms}` once every execution's last step settled.
 */
import { createInterface } from 'node:readline'
import { silentLogger } from '../../src/runtime/logger.js'
import { createRuntime } from '../../src/runtime/runtime.js'

async function main(): Promise<void> {
  const executions = Number(process.env.SP_EXECUTIONS)
  const concurrency = Number(process.env.SP_CONCURRENCY)
  const runtime = await createRuntime({ database: process.env.SP_DATABASE!, nats: { servers: process.env.SP_NATS_URL! }, config: {}, logger: silentLogger })
  let shipped = 0
  let allShipped: () => void = () => {}
  const shippedAll = new Promise<void>((resolve) => (allShipped = resolve))
  runtime.functions.register('bench.noop', () => ({}))
  runtime.onSettled((item, ok, final) => {
    if (ok && final && item.execution.step_key === 'ship' && ++shipped === executions) allShipped()
  })
  await runtime.start()
  const release = new Promise<void>((resolve) => createInterface({ input: process.stdin }).on('line', (l) => l.trim() === 'release' && resolve()))
  process.stdout.write('ready\n')

  // Each worker takes the next sequence number until all are done.
  const inParallel = async (fn: (seq: number) => Promise<unknown>) => {
    let next = 0
    const worker = async () => {
      for (let seq = next++; seq < executions; seq = next++) await fn(seq)
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
  }
  const t0 = performance.now()
  await inParallel((seq) => runtime.workflows.start('bench-w4', { seq }))
  process.stdout.write(`parked ${JSON.stringify({ park_ms: performance.now() - t0, heap_used_mb: process.memoryUsage().heapUsed / 2 ** 20 })}\n`)
  await release
  const t1 = performance.now()
  await inParallel((seq) => runtime.events.createEvent({ type: 'bench.release', data: { seq } }))
  await shippedAll
  process.stdout.write(`released ${JSON.stringify({ release_ms: performance.now() - t1 })}\n`)
  process.on('SIGTERM', () => void runtime.stop())
  await runtime.stopped
}

main().catch((err: unknown) => {
  process.stderr.write(`waiting service failed: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
