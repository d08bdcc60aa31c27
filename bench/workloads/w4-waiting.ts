import type { PendingWorkload } from '../harness/workload.js'

/** W4: 10,000 executions parked in a wait_for_event step, then released by their events. */
export const w4Waiting: PendingWorkload = { id: 'W4', title: 'waiting', pending: 'needs workflows (issue 5)' }
