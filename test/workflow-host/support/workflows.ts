import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { openStore } from '../../../src/store/database.js'
import type { Runtime } from '../../../src/runtime/runtime.js'

/** Stores a definition straight into `workflow_definitions` (the definitions API is another part's). */
export async function storeDefinition(database: string, definition: { id: string; version: number; name: string }): Promise<void> {
  const store = openStore(database)
  try {
    await store.db
      .insertInto('workflow_definitions')
      .values({ id: definition.id, version: definition.version, name: definition.name, description: null, definition: JSON.stringify(definition), created_at: new Date().toISOString() })
      .onConflict((oc) => oc.columns(['id', 'version']).doNothing())
      .execute()
  } finally {
    await store.close()
  }
}

/** A chain of `count` function steps `s1 → s2 → …`, each calling `fn`, with optional compensations. */
export function chain(id: string, count: number, fn: string, extra: { compensate?: string; failAt?: number; compensateWorkflow?: boolean } = {}) {
  return {
    id,
    name: id,
    version: 1,
    steps: Array.from({ length: count }, (_, i) => ({
      id: `s${i + 1}`,
      type: 'action',
      action: extra.failAt === i + 1 ? 'wf.fail' : fn,
      ...(extra.compensate ? { compensate: extra.compensate } : {}),
      ...(i + 1 < count ? { next_steps: [`s${i + 2}`] } : {}),
    })),
    error_handling: { on_step_failure: 'fail', on_workflow_failure: extra.compensateWorkflow ? 'compensate' : 'fail' },
  }
}

/** The recording functions: each run appends `<tag> <idempotency key>` to `log`. */
export function registerRecorders(runtime: Runtime, log: string, delayMs = 0, undoDelayMs = 0): void {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  runtime.functions.register('wf.step', async (_input, ctx) => {
    appendFileSync(log, `step ${ctx.idempotencyKey}\n`)
    if (delayMs) await sleep(delayMs)
    return { key: ctx.idempotencyKey }
  })
  runtime.functions.register('wf.undo', async (_input, ctx) => {
    appendFileSync(log, `undo ${ctx.idempotencyKey}\n`)
    if (undoDelayMs) await sleep(undoDelayMs)
    return {}
  })
  runtime.functions.register('wf.fail', async () => {
    throw new Error('this step always fails')
  })
}

export function logLines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
}
