import { randomBytes } from 'node:crypto'

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz'
let lastTime = 0
let counter = 0
// Random bytes drawn 4 KiB at a time: one system call per ~340 ids instead of one per id.
let pool = Buffer.alloc(0)
let poolOffset = 0

/**
 * A time-ordered id: 10 chars of milliseconds, 4 of a per-millisecond counter, 12 random (Crockford
 * base32, lower case). Sorts by creation time within one process; unique across processes.
 */
export function newId(prefix: string): string {
  const now = Date.now()
  if (now === lastTime) counter++
  else {
    lastTime = now
    counter = 0
  }
  let time = ''
  let t = now
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time
    t = Math.floor(t / 32)
  }
  let seq = ''
  let c = counter
  for (let i = 0; i < 4; i++) {
    seq = CROCKFORD[c % 32] + seq
    c = Math.floor(c / 32)
  }
  if (poolOffset + 12 > pool.length) {
    pool = randomBytes(4096)
    poolOffset = 0
  }
  let rand = ''
  for (let i = poolOffset; i < poolOffset + 12; i++) rand += CROCKFORD[pool[i]! % 32]
  poolOffset += 12
  return `${prefix}_${time}${seq}${rand}`
}
