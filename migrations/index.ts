import type { Migration } from 'kysely'
import * as core from './0001-core.js'
import * as schedules from './0002-schedules.js'
import * as workflows from './0003-workflows.js'
import * as legacyImport from './0004-legacy-import.js'

/** Every migration, by name; names sort in the order they apply. Add new ones at the end. */
export const migrations: Record<string, Migration> = {
  '0001-core': core,
  '0002-schedules': schedules,
  '0003-workflows': workflows,
  '0004-legacy-import': legacyImport,
}
