export interface BenchArgs {
  /** Workload ids as given (upper case); empty: all. */
  ids: string[]
  quick: boolean
  warmups: number
  runs: number
}

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export const USAGE = 'usage: npm run bench -- [W1 W1L W2 W3 W4 W5 ...] [--quick] [--runs N]'

/**
 * Full: one warm-up and 3 counted runs per workload. `--quick`: small sizes, no warm-up, one
 * counted run (CI proves the benchmark works and its counts are right, not its timings).
 */
export function parseArgs(argv: string[], known: readonly string[]): BenchArgs {
  const ids: string[] = []
  let quick = false
  let runs: number | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--quick') quick = true
    else if (arg === '--runs' || arg.startsWith('--runs=')) {
      const value = arg.includes('=') ? arg.slice('--runs='.length) : argv[++i]
      runs = Number(value)
      if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs wants a whole number of at least 1, not "${value ?? ''}"`)
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option "${arg}"`)
    else {
      const id = arg.toUpperCase()
      if (!known.includes(id)) throw new UsageError(`unknown workload "${arg}": choose from ${known.join(', ')}`)
      if (!ids.includes(id)) ids.push(id)
    }
  }
  return { ids, quick, warmups: quick ? 0 : 1, runs: runs ?? (quick ? 1 : 3) }
}
