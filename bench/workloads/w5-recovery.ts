import type { PendingWorkload } from '../harness/workload.js'

/** W5: 1,000 executions of a 5-step workflow, kill -9 at the midpoint, restart. */
export const w5Recovery: PendingWorkload = { id: 'W5', title: 'recovery', pending: 'needs workflows (issue 5)' }
