import { join } from 'node:path'
import { expect, it } from 'vitest'
import { createCommandExecutor } from '../../src/executors/command.js'
import { FIXTURES, commandOptions, testContext } from './helpers.js'

const MB = 1024 * 1024

it('caps 50 MB of output at max_output_bytes, counts the rest, and keeps memory flat', async () => {
  const executor = createCommandExecutor(commandOptions())
  const config = executor.validateConfig({
    command: process.execPath,
    args: [join(FIXTURES, 'print-bytes.mjs'), String(50 * MB), String(5 * MB)],
    max_output_bytes: 64 * 1024,
    stdin: 'none',
  })

  // A first run warms up (module loading, the allocator's first growth); the second is measured:
  // memory that kept the output would grow by 55 MB again, streaming and dropping does not.
  await executor.execute(config, testContext())
  const baseline = process.memoryUsage().rss
  let peak = baseline
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10)
  const outcome = await executor.execute(config, testContext())
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().rss)

  expect(outcome.ok).toBe(true)
  expect(outcome.details).toMatchObject({
    exit_code: 0,
    stdout_dropped_bytes: 50 * MB - 64 * 1024,
    stderr_dropped_bytes: 5 * MB - 64 * 1024,
  })
  expect(String(outcome.details?.stdout)).toHaveLength(64 * 1024)
  expect(String(outcome.details?.stderr)).toHaveLength(64 * 1024)
  const growth = peak - baseline
  expect(growth, `rss grew ${(growth / MB).toFixed(1)} MB while reading 55 MB`).toBeLessThan(25 * MB)
})
