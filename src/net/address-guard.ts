import { lookup as dnsLookup } from 'node:dns'
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns'
import { isIP } from 'node:net'
import { nonPublicRange } from './ip-ranges.js'

/** Which non-public targets outbound requests may reach. */
export interface AddressPolicy {
  /** Every address allowed: private, loopback and link-local included. */
  allowPrivateNetworks: boolean
  /** Host names or IP literals allowed whatever they resolve to; `*.example.com` allows subdomains. */
  allowHosts: readonly string[]
}

/** Resolves a host name to every address it has (node's `dns.lookup` with `all: true` by default). */
export type HostResolver = (hostname: string, family?: number) => Promise<LookupAddress[]>

export const systemResolver: HostResolver = (hostname, family) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, family: family ?? 0 }, (err, addresses) => (err ? reject(err) : resolve(addresses)))
  })

/** A target refused by the address policy; carried as the cause of the failed connection. */
export class AddressRefusedError extends Error {
  readonly code = 'ERR_ADDRESS_REFUSED'
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    const resolved = host === address ? '' : ` (resolves to ${address})`
    super(
      `refused to connect to ${host}${resolved}: ${range} is not a public address; ` +
        'allow it with events.executors.webhook.allowHosts or allowPrivateNetworks in config/modules.json',
    )
    this.name = 'AddressRefusedError'
  }
}

function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '')
}

/** True when `host` is named in the allow-list (exactly, or under a `*.` entry). */
export function isHostAllowed(host: string, allowHosts: readonly string[]): boolean {
  const name = normalizeHost(host)
  return allowHosts.some((entry) => {
    const allowed = normalizeHost(entry)
    return allowed.startsWith('*.') ? name.endsWith(allowed.slice(1)) : name === allowed
  })
}

function exempt(host: string, policy: AddressPolicy): boolean {
  return policy.allowPrivateNetworks || isHostAllowed(host, policy.allowHosts)
}

/**
 * Checks a URL's host before any connection: an IP literal is judged here (sockets skip the DNS
 * lookup for those); a host name is judged when it is resolved, by `guardedLookup`.
 */
export function checkHostLiteral(host: string, policy: AddressPolicy): void {
  const bare = normalizeHost(host)
  if (!isIP(bare.replace(/%.*$/, '')) || exempt(host, policy)) return
  const refused = nonPublicRange(bare)
  if (refused) throw new AddressRefusedError(bare, bare, refused)
}

/** Resolves `host` and refuses it when any of its addresses is not public (and it is not exempt). */
export async function resolveVetted(host: string, policy: AddressPolicy, resolve: HostResolver, family?: number): Promise<LookupAddress[]> {
  const addresses = await resolve(host, family)
  if (exempt(host, policy)) return addresses
  for (const { address } of addresses) {
    const refused = nonPublicRange(address)
    if (refused) throw new AddressRefusedError(host, address, refused)
  }
  return addresses
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/**
 * A `lookup` for `net.connect` / `tls.connect` that vets what it resolves. The socket connects to
 * exactly the addresses that were vetted, so a DNS answer that changes between a check and the
 * connection (rebinding) cannot slip through.
 */
export function guardedLookup(policy: AddressPolicy, resolve: HostResolver = systemResolver) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    resolveVetted(hostname, policy, resolve, typeof options.family === 'number' ? options.family : undefined).then(
      (addresses) => {
        const first = addresses[0]
        if (options.all) callback(null, addresses)
        else if (first) callback(null, first.address, first.family)
        else callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '')
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    )
  }
}
