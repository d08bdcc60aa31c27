import { connect } from '@nats-io/transport-node'
import { jetstreamManager } from '@nats-io/jetstream'
import SQLite from 'better-sqlite3'
import { STREAM_NAME } from '../../src/transport/nats.js'
import type { ExpectedCounts } from './workload.js'

export interface StoreCounts {
  journal_mode: string
  events: number
  events_completed: number
  executions: number
  executions_completed: number
  attempts: number
  dead_letters: number
  workflow_executions: number
  workflow_executions_completed: number
}

/**
 * Reads the stopped runtime's SQLite file: every expected event and execution must be completed,
 * by exactly one attempt each (an attempt run twice, or a dead letter, is a wrong count), and every
 * expected workflow execution completed.
 */
export function checkStore(dbPath: string, expected: ExpectedCounts): { counts: StoreCounts; problems: string[] } {
  const db = new SQLite(dbPath, { readonly: true })
  try {
    const count = (sql: string): number => (db.prepare(sql).pluck().get() as number | null) ?? 0
    const counts: StoreCounts = {
      journal_mode: String(db.pragma('journal_mode', { simple: true })),
      events: count('select count(*) from events'),
      events_completed: count(`select count(*) from events where status = 'completed'`),
      executions: count('select count(*) from event_executions'),
      executions_completed: count(`select count(*) from event_executions where status = 'completed'`),
      attempts: count('select count(*) from execution_attempts'),
      dead_letters: count('select count(*) from dead_letters'),
      workflow_executions: count('select count(*) from workflow_executions'),
      workflow_executions_completed: count(`select count(*) from workflow_executions where status = 'completed'`),
    }
    const problems: string[] = []
    const expect = (what: string, actual: number, wanted: number) => {
      if (actual !== wanted) problems.push(`store: ${what} is ${actual}, expected ${wanted}`)
    }
    expect('events', counts.events, expected.events)
    expect('completed events', counts.events_completed, expected.events)
    expect('executions', counts.executions, expected.executions)
    expect('completed executions', counts.executions_completed, expected.executions)
    expect('attempts', counts.attempts, expected.attempts ?? expected.executions)
    expect('workflow executions', counts.workflow_executions, expected.workflows ?? 0)
    expect('completed workflow executions', counts.workflow_executions_completed, expected.workflows ?? 0)
    expect('dead letters', counts.dead_letters, 0)
    if (counts.journal_mode !== 'wal') problems.push(`store: journal_mode is ${counts.journal_mode}, expected wal`)
    return { counts, problems }
  } finally {
    db.close()
  }
}

/** The storage type of the runtime's event stream, as the server reports it (`file`). */
export async function readStreamStorage(url: string): Promise<string> {
  const nc = await connect({ servers: url, name: 'sp-bench-check' })
  try {
    const jsm = await jetstreamManager(nc)
    const info = await jsm.streams.info(STREAM_NAME)
    return String(info.config.storage)
  } finally {
    await nc.close()
  }
}
