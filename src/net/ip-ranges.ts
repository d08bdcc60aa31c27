import { isIP } from 'node:net'

/** `address` as 4 or 16 bytes; null when it is not an IP literal. Accepts `[v6]` and zone ids. */
export function ipToBytes(address: string): Uint8Array | null {
  const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '')
  const version = isIP(bare)
  if (version === 4) return Uint8Array.from(bare.split('.').map(Number))
  if (version !== 6) return null
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups.
  const text = bare.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  )
  const [head = '', tail] = text.split('::')
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : [])
  const before = groups(head)
  const after = groups(tail)
  const all = tail === undefined ? before : [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after]
  const bytes = new Uint8Array(16)
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8
    bytes[i * 2 + 1] = group & 0xff
  })
  return bytes
}

interface Range {
  prefix: Uint8Array
  bits: number
  label: string
}

function range(cidr: string, label: string): Range {
  const [address = '', bits = ''] = cidr.split('/')
  return { prefix: ipToBytes(address)!, bits: Number(bits), label }
}

function inRange(bytes: Uint8Array, r: Range): boolean {
  if (bytes.length !== r.prefix.length) return false
  for (let bit = 0; bit < r.bits; bit += 8) {
    const mask = r.bits - bit >= 8 ? 0xff : (0xff << (8 - (r.bits - bit))) & 0xff
    if (((bytes[bit / 8]! ^ r.prefix[bit / 8]!) & mask) !== 0) return false
  }
  return true
}

const V4: Range[] = [
  range('0.0.0.0/8', '"this network" 0.0.0.0/8'),
  range('10.0.0.0/8', 'private 10.0.0.0/8'),
  range('100.64.0.0/10', 'carrier-grade NAT 100.64.0.0/10'),
  range('127.0.0.0/8', 'loopback 127.0.0.0/8'),
  range('169.254.169.254/32', 'cloud metadata 169.254.169.254 (link-local)'),
  range('169.254.0.0/16', 'link-local 169.254.0.0/16'),
  range('172.16.0.0/12', 'private 172.16.0.0/12'),
  range('192.0.0.0/24', 'IETF protocol assignments 192.0.0.0/24'),
  range('192.168.0.0/16', 'private 192.168.0.0/16'),
  range('198.18.0.0/15', 'benchmarking 198.18.0.0/15'),
  range('224.0.0.0/4', 'multicast 224.0.0.0/4'),
  range('240.0.0.0/4', 'reserved 240.0.0.0/4'),
]

const V6: Range[] = [
  range('::/128', 'unspecified ::'),
  range('::1/128', 'loopback ::1'),
  range('64:ff9b:1::/48', 'local-use NAT64 64:ff9b:1::/48'),
  range('100::/64', 'discard-only 100::/64'),
  range('fc00::/7', 'unique local fc00::/7'),
  range('fe80::/10', 'link-local fe80::/10'),
  range('fec0::/10', 'site-local fec0::/10'),
  range('ff00::/8', 'multicast ff00::/8'),
]

/** IPv6 ranges that carry an IPv4 address inside, and where it sits. */
const EMBEDS_V4: { range: Range; offset: number }[] = [
  { range: range('::ffff:0:0/96', 'IPv4-mapped'), offset: 12 },
  { range: range('::/96', 'IPv4-compatible'), offset: 12 },
  { range: range('64:ff9b::/96', 'NAT64'), offset: 12 },
  { range: range('2002::/16', '6to4'), offset: 2 },
]

/**
 * The name of the non-public range `address` falls in (loopback, private, link-local, CGNAT,
 * multicast, ...), or null for a public address. IPv4 carried inside IPv6 is judged as IPv4.
 */
export function nonPublicRange(address: string): string | null {
  const bytes = ipToBytes(address)
  if (!bytes) return null
  if (bytes.length === 4) return V4.find((r) => inRange(bytes, r))?.label ?? null
  const own = V6.find((r) => inRange(bytes, r))
  if (own) return own.label
  for (const { range: r, offset } of EMBEDS_V4) {
    if (!inRange(bytes, r)) continue
    const inner = V4.find((v4) => inRange(bytes.subarray(offset, offset + 4), v4))
    return inner ? `${r.label} ${inner.label}` : null
  }
  return null
}
