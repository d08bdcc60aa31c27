import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { WorkflowDefinitionsApi } from '../../src/runtime/workflow-definitions-api.js'
import { migrateToLatest, openStore, type OpenedStore } from '../../src/store/database.js'
import { tempDir } from '../support/runtime.js'

export const FIXTURES = resolve(import.meta.dirname, '../fixtures/workflows')

/** A fixture definition as a fresh object (tests change copies of it). */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>
}

export interface DefinitionsStore {
  api: WorkflowDefinitionsApi
  store: OpenedStore
  /** Another API on the same file, as a process registering `functions` sees it. */
  withFunctions(functions: string[]): WorkflowDefinitionsApi
  dispose(): Promise<void>
}

/** The definitions API on a migrated SQLite file in a temporary folder. */
export async function definitionsStore(): Promise<DefinitionsStore> {
  const tmp = tempDir('sp-wfdef-')
  const store = openStore(join(tmp.dir, 'sp.db'))
  await migrateToLatest(store.db)
  return {
    api: new WorkflowDefinitionsApi({ db: store.db, actor: 'test' }),
    store,
    withFunctions: (functions) => new WorkflowDefinitionsApi({ db: store.db, actor: 'test', knownFunctions: () => functions }),
    dispose: async () => {
      await store.close()
      tmp.dispose()
    },
  }
}
