import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

/*
 * `node dist/bench/profile-summary.js <file.cpuprofile> [top]`: the functions with the most self
 * time in a `node --cpu-prof` profile, then self time by area (package, runtime folder, GC, idle),
 * and the runtime's own functions by total (inclusive) time.
 */

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]!
  if (url.startsWith('node:')) return 'node internals'
  const own = /\/dist\/((?:src\/[^/]+|actors|machines|bench|test)(?:\/[^/]+)?)/.exec(url)
  return own ? own[1]!.replace(/\.js$/, '') : url
}

function frameName(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame
  return `${functionName || '(anonymous)'} ${url ? `${basename(url)}:${lineNumber + 1}` : ''}`.trim()
}

function top(map: Map<string, number>, total: number, count: number): string[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([k, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`)
}

function main(): void {
  const file = process.argv[2]
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]\n')
    process.exit(2)
  }
  const count = Number(process.argv[3] ?? 25)
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

  const self = new Map<string, number>()
  const areas = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    // A sample's duration is the gap to the next sample (the last one borrows its predecessor's).
    const us = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0
    const node = byId.get(id)!
    total += us
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + us)
    const a = area(node.callFrame.url, node.callFrame.functionName)
    areas.set(a, (areas.get(a) ?? 0) + us)
    const seen = new Set<string>()
    for (let n: ProfileNode | undefined = node; n; n = byId.get(parent.get(n.id) ?? -1)) {
      if (!/\/dist\/(src|actors|machines)\//.test(n.callFrame.url)) continue
      const key = frameName(n)
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + us)
    }
  })
  const out = [
    `${file}: ${(total / 1000).toFixed(0)} ms sampled`,
    '',
    'self time by area',
    ...top(areas, total, 15),
    '',
    `top ${count} functions by self time`,
    ...top(self, total, count),
    '',
    'runtime functions by total time (self + callees)',
    ...top(inclusive, total, count),
  ]
  process.stdout.write(out.join('\n') + '\n')
}

main()
