import { randomBytes } from 'node:crypto'

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz'
let lastTime = 0
let counter = 0

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
  const bytes = randomBytes(12)
  let rand = ''
  for (const byte of bytes) rand += CROCKFORD[byte % 32]
  return `${prefix}_${time}${seq}${rand}`
}
