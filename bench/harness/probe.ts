import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'

/** Where the time went during a measured window: which process was busy, and how late the event loop ran. */
export interface ProbeReading {
  wall_ms: number
  /** CPU time of this process (the runtime and the load generator) over the window, in % of one core. */
  node_cpu_pct: number
  /** CPU time of nats-server over the window, in % of one core; null off Linux. */
  nats_cpu_pct: number | null
  /** CPU the rest of the machine used meanwhile (other processes: this host is shared), in % of one core; null off Linux. */
  others_cpu_pct: number | null
  loop_delay_p99_ms: number
  loop_delay_max_ms: number
  rss_mb: number
}

export interface Probe {
  stop(): ProbeReading
}

let clockTicks: number | undefined

/** CPU seconds (user + system) a process has used, from /proc; null when unreadable. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // Fields 14 and 15 of stat(5) (utime, stime) are at 11 and 12 once pid and comm are cut off.
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    return (Number(fields[11]) + Number(fields[12])) / clockTicks
  } catch {
    return null
  }
}

/** CPU seconds every core of the machine has been busy (not idle, not waiting for I/O), from /proc/stat. */
function machineBusySeconds(): number | null {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    return [user, nice, system, irq, softirq, steal].reduce<number>((a, b) => a + (b ?? 0), 0) / clockTicks
  } catch {
    return null
  }
}

/** The pid of the nats-server listening on `port` (found by its command line), or null off Linux. */
export function natsServerPid(port: number): number | null {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      if (args[0]?.includes('nats-server') && args.includes(String(port))) return Number(entry)
    }
  } catch {
    // not Linux: the nats-server CPU figure is left out
  }
  return null
}

/** Starts measuring CPU of node and of nats-server (`natsPid`), and event-loop delay. */
export function startProbe(natsPid: number | null): Probe {
  const loop = monitorEventLoopDelay({ resolution: 5 })
  loop.enable()
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const nats0 = natsPid === null ? null : processCpuSeconds(natsPid)
  const busy0 = machineBusySeconds()
  return {
    stop() {
      const wallMs = performance.now() - t0
      const cpu = process.cpuUsage(cpu0)
      const nats1 = natsPid === null ? null : processCpuSeconds(natsPid)
      const busy1 = machineBusySeconds()
      loop.disable()
      const pct = (cpuMs: number) => (cpuMs / wallMs) * 100
      const nodeMs = (cpu.user + cpu.system) / 1000
      const natsMs = nats0 === null || nats1 === null ? null : (nats1 - nats0) * 1000
      return {
        wall_ms: wallMs,
        node_cpu_pct: pct(nodeMs),
        nats_cpu_pct: natsMs === null ? null : pct(natsMs),
        others_cpu_pct: busy0 === null || busy1 === null ? null : pct(Math.max(0, (busy1 - busy0) * 1000 - nodeMs - (natsMs ?? 0))),
        loop_delay_p99_ms: loop.percentile(99) / 1e6,
        loop_delay_max_ms: loop.max / 1e6,
        rss_mb: process.memoryUsage.rss() / 2 ** 20,
      }
    },
  }
}
