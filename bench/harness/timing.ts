/** Wall-clock time with sub-millisecond resolution (comparable with `Date.now()`). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now()
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
}

/** Sleeps until the monotonic `performance.now()` reaches `target`; an open-loop schedule does not drift. */
export function sleepUntil(target: number): Promise<void> {
  return sleep(target - performance.now())
}

/** Resolves true when `done` settles first, false after `timeoutMs`. */
export async function within(done: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))
  try {
    return await Promise.race([done.then(() => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}
