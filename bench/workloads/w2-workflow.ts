import type { PendingWorkload } from '../harness/workload.js'

/** W2: 2,000 executions of a 3-step workflow, a checkpoint after every step. */
export const w2Workflow: PendingWorkload = { id: 'W2', title: 'workflow', pending: 'needs workflows (issue 5)' }
