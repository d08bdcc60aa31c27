import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import type { Runtime } from '../../src/runtime/runtime.js'

/** The event type and function of the crash tests: each run appends "<event id> <attempt>" to a file, then takes a while. */
export const CRASH_EVENT_TYPE = 'crash.job'
export const CRASH_FUNCTION = 'crash.record'

/** Registers the recording function (the killed runtime and the one taking over register the same). */
export function registerRecorder(runtime: Runtime, runLog: string, delayMs: number): void {
  runtime.functions.register(CRASH_FUNCTION, async (_input, ctx) => {
    appendFileSync(runLog, `${ctx.event.id} ${ctx.attempt}\n`)
    await new Promise((resolve) => setTimeout(resolve, delayMs))
  })
}

/** The handler, registered once per database. */
export async function ensureHandler(runtime: Runtime): Promise<void> {
  if ((await runtime.events.listHandlers({ event_type: CRASH_EVENT_TYPE })).length) return
  await runtime.events.registerHandler({ event_type: CRASH_EVENT_TYPE, executor_type: 'function', configuration: { function: CRASH_FUNCTION } })
}

/** How many times each event's handler started, from the run log. */
export function runCounts(runLog: string): Map<string, number> {
  const counts = new Map<string, number>()
  if (!existsSync(runLog)) return counts
  for (const line of readFileSync(runLog, 'utf8').split('\n')) {
    const id = line.split(' ')[0]
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return counts
}
