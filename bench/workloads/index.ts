import type { Workload } from '../harness/workload.js'
import { w1Dispatch } from './w1-dispatch.js'
import { w1lLatency } from './w1l-latency.js'
import { w2Workflow } from './w2-workflow.js'
import { w3Timers } from './w3-timers.js'
import { w4Waiting } from './w4-waiting.js'
import { w5Recovery } from './w5-recovery.js'

/** Every workload of shared/BENCH.md, in its order. */
export const workloads: readonly Workload[] = [w1Dispatch, w1lLatency, w2Workflow, w3Timers, w4Waiting, w5Recovery]
