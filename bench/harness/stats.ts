/** The p-th percentile (0–100) of `values`, interpolated between the two nearest ranks. */
export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values).sort()
  if (sorted.length === 0) return Number.NaN
  const rank = (p / 100) * (sorted.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo)
}

export function max(values: ArrayLike<number>): number {
  let m = Number.NEGATIVE_INFINITY
  for (let i = 0; i < values.length; i++) m = Math.max(m, values[i]!)
  return values.length ? m : Number.NaN
}

/** p50, p99 and max of latencies (ms), under the metric keys the latency workloads share. */
export function latencySummary(prefix: string, values: ArrayLike<number>): Record<string, number> {
  return { [`${prefix}_p50`]: percentile(values, 50), [`${prefix}_p99`]: percentile(values, 99), [`${prefix}_max`]: max(values) }
}

export interface Spread {
  median: number
  min: number
  max: number
}

/** Median and range across runs; NaN (a run that did not finish) is left out. */
export function spread(values: number[]): Spread {
  const ok = values.filter((v) => !Number.isNaN(v))
  return { median: percentile(ok, 50), min: Math.min(...ok), max: Math.max(...ok) }
}
