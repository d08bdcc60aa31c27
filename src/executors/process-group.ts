/**
 * The process group a detached child leads. Signalling `-pgid` reaches the child and everything it
 * spawned (unless a descendant started its own session with setsid), so nothing outlives the command.
 */
export class ProcessGroup {
  private killTimer: NodeJS.Timeout | undefined
  private terminating = false

  constructor(
    readonly pgid: number,
    private readonly graceMs: number,
  ) {}

  /** Sends `signal` to every member; false when the group is gone. */
  signal(signal: NodeJS.Signals | 0): boolean {
    try {
      process.kill(-this.pgid, signal)
      return true
    } catch {
      // ESRCH: no member left. EPERM: a member changed identity; nothing more we may do.
      return false
    }
  }

  /** SIGTERM to the group now, SIGKILL to whatever is left after the grace period. Idempotent. */
  terminate(): void {
    if (this.terminating) return
    this.terminating = true
    if (!this.signal('SIGTERM')) return
    this.killTimer = setTimeout(() => this.signal('SIGKILL'), this.graceMs)
  }

  /** SIGKILL to the group at once, cancelling a pending grace period. */
  kill(): void {
    clearTimeout(this.killTimer)
    this.terminating = true
    this.signal('SIGKILL')
  }
}
