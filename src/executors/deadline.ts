/** An attempt's own time limit joined with the runtime's abort signal. */
export interface Deadline {
  /** Aborts when the time limit passes or the runtime aborts the attempt. */
  readonly signal: AbortSignal
  /** Why the signal fired, for the failure message; undefined while it has not. */
  reason(): 'timeout' | 'aborted' | undefined
  dispose(): void
}

/**
 * The effective time limit: the tighter of the executor configuration's and the runtime's (whose
 * signal fires at its own limit anyway), else the executor default.
 */
export function effectiveTimeoutMs(configured: number | undefined, fromRuntime: number | undefined, fallback: number): number {
  const limits = [configured, fromRuntime].filter((ms): ms is number => typeof ms === 'number' && ms > 0)
  return limits.length > 0 ? Math.min(...limits) : fallback
}

/** `timeoutMs` undefined: no time limit, only the parent's abort (the attempt still gets a signal of its own). */
export function createDeadline(parent: AbortSignal, timeoutMs: number | undefined): Deadline {
  const controller = new AbortController()
  let why: 'timeout' | 'aborted' | undefined
  const fire = (reason: 'timeout' | 'aborted') => {
    if (why) return
    why = reason
    controller.abort(new Error(reason === 'timeout' ? `timed out after ${timeoutMs} ms` : 'aborted by the runtime'))
  }
  const onParentAbort = () => fire(isTimeoutReason(parent.reason) ? 'timeout' : 'aborted')
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => fire('timeout'), timeoutMs)
  if (parent.aborted) onParentAbort()
  else parent.addEventListener('abort', onParentAbort, { once: true })
  return {
    signal: controller.signal,
    reason: () => why,
    dispose() {
      clearTimeout(timer)
      parent.removeEventListener('abort', onParentAbort)
    },
  }
}

function isTimeoutReason(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError'
}

/** The failure message for an attempt cut short by its deadline. */
export function deadlineMessage(deadline: Deadline, timeoutMs: number): string {
  return deadline.reason() === 'timeout' ? `timed out after ${timeoutMs} ms` : 'aborted: the runtime is stopping or cancelled the attempt'
}
