import { executionStatus, type WorkflowSnapshot } from '../machines/workflow-snapshot.js'
import { sealCheckpoint, type CheckpointCipher } from '../src/workflow/checkpoint-crypto.js'
import type { CompiledWorkflow } from './workflow-machines.js'
import { FINAL_STATUSES } from './workflow-perform.js'

interface Kept {
  checkpoint: string
  machine: CompiledWorkflow['machine']
  snapshot: WorkflowSnapshot
}

/**
 * Restored snapshots of the most recently driven executions, each with the exact checkpoint text
 * it is the restoration of. Not state: a hit needs the stored checkpoint to be that same text
 * (read in the caller's transaction), so a write by another runtime or a rolled-back one misses.
 * Saves decrypting, parsing and `resolveState` per transition (a few KB each, `limit` entries).
 */
export class SnapshotCache {
  private readonly kept = new Map<string, Kept>()

  constructor(private readonly limit: number) {}

  get(id: string, checkpoint: string, machine: CompiledWorkflow['machine']): WorkflowSnapshot | null {
    const hit = this.kept.get(id)
    return hit && hit.checkpoint === checkpoint && hit.machine === machine ? hit.snapshot : null
  }

  set(id: string, kept: Kept): void {
    this.kept.delete(id)
    this.kept.set(id, kept)
    if (this.kept.size > this.limit) this.kept.delete(this.kept.keys().next().value as string)
  }

  delete(id: string): void {
    this.kept.delete(id)
  }
}

/** The columns of `workflow_executions` a snapshot decides: status, checkpoint, output, error, completion. */
export function checkpointColumns(machine: CompiledWorkflow['machine'], snapshot: WorkflowSnapshot, cipher: CheckpointCipher | null, iso: string) {
  const status = executionStatus(snapshot)
  const ctx = snapshot.context
  const errors = [
    ctx.failure ? `${ctx.failure.stepId ? `step "${ctx.failure.stepId}" failed: ` : ''}${ctx.failure.error}` : null,
    ctx.compensationFailure ? `compensation of "${ctx.compensationFailure.stepId}" failed: ${ctx.compensationFailure.error}` : null,
  ].filter((e): e is string => e !== null)
  return {
    status: status === 'compensating' ? 'running' : status,
    // getPersistedSnapshot is plain JSON data: one stringify (persistSnapshot's deep copy would add a stringify and a parse).
    checkpoint: sealCheckpoint(JSON.stringify(machine.getPersistedSnapshot(snapshot)), cipher),
    output: ctx.output ? JSON.stringify(ctx.output) : null,
    error: errors.length ? errors.join('; ') : null,
    completed_at: FINAL_STATUSES.has(status) ? iso : null,
    updated_at: iso,
  }
}
