import { z } from 'zod'

export const retryPolicySchema = z.strictObject({
  strategy: z.enum(['fixed', 'linear', 'exponential']).default('exponential'),
  max_attempts: z.number().int().min(1).max(1000).optional(),
  initial_delay_ms: z.number().int().min(0).max(86_400_000).optional(),
  max_delay_ms: z.number().int().min(0).max(7 * 86_400_000).default(300_000),
  multiplier: z.number().min(1).max(100).default(2),
  /** Fraction of each delay drawn at random (0 none, 1 anywhere between 0 and twice the delay). */
  jitter: z.union([z.boolean().transform((b) => (b ? 0.2 : 0)), z.number().min(0).max(1)]).default(0),
})
export type RetryPolicyInput = z.input<typeof retryPolicySchema>

export interface RetryPolicy {
  strategy: 'fixed' | 'linear' | 'exponential'
  max_attempts: number
  initial_delay_ms: number
  max_delay_ms: number
  multiplier: number
  jitter: number
}

/** Fills the policy's unset fields from the `processing` defaults (`maxRetries` counts retries, not attempts). */
export function resolveRetryPolicy(
  input: z.output<typeof retryPolicySchema> | undefined,
  defaults: { maxRetries: number; retryDelayMs: number },
): RetryPolicy {
  return {
    strategy: input?.strategy ?? 'exponential',
    max_attempts: input?.max_attempts ?? defaults.maxRetries + 1,
    initial_delay_ms: input?.initial_delay_ms ?? defaults.retryDelayMs,
    max_delay_ms: input?.max_delay_ms ?? 300_000,
    multiplier: input?.multiplier ?? 2,
    jitter: input?.jitter ?? 0,
  }
}

/** Delay before attempt `nextAttempt` (2 = the first retry). Pure, but for the jitter's `random`. */
export function retryDelayMs(policy: RetryPolicy, nextAttempt: number, random: () => number = Math.random): number {
  const n = Math.max(1, nextAttempt - 1)
  let delay: number
  switch (policy.strategy) {
    case 'fixed':
      delay = policy.initial_delay_ms
      break
    case 'linear':
      delay = policy.initial_delay_ms * n
      break
    case 'exponential':
      delay = policy.initial_delay_ms * Math.pow(policy.multiplier, n - 1)
      break
  }
  delay = Math.min(delay, policy.max_delay_ms)
  if (policy.jitter > 0) delay = delay * (1 - policy.jitter + 2 * policy.jitter * random())
  return Math.max(0, Math.round(delay))
}
