import { describe, expect, it } from 'vitest'
import { checkHostLiteral, isHostAllowed } from '../../src/net/address-guard.js'
import { nonPublicRange } from '../../src/net/ip-ranges.js'

describe('address ranges', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.255.0.9', /loopback/],
    ['10.1.2.3', /private 10/],
    ['172.16.0.1', /private 172.16/],
    ['172.31.255.255', /private 172.16/],
    ['192.168.1.1', /private 192.168/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['169.254.169.254', /cloud metadata/],
    ['169.254.1.1', /link-local/],
    ['0.0.0.0', /this network/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /reserved/],
    ['::1', /loopback ::1/],
    ['::', /unspecified/],
    ['fd00:ec2::254', /unique local/],
    ['fc00::1', /unique local/],
    ['fe80::1%eth0', /link-local fe80/],
    ['ff02::1', /multicast/],
    ['::ffff:127.0.0.1', /IPv4-mapped loopback/],
    ['::ffff:a9fe:a9fe', /IPv4-mapped cloud metadata/],
    ['[::ffff:10.0.0.1]', /IPv4-mapped private/],
    ['64:ff9b::7f00:1', /NAT64 loopback/],
    ['2002:a9fe:a9fe::1', /6to4 cloud metadata/],
  ])('%s is not public', (address, range) => {
    expect(nonPublicRange(address)).toMatch(range)
  })

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.253.255.255', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:808:808::1'])(
    '%s is public',
    (address) => {
      expect(nonPublicRange(address)).toBeNull()
    },
  )

  it('judges IP literals before any connection, unless allowed', () => {
    const closed = { allowPrivateNetworks: false, allowHosts: [] }
    expect(() => checkHostLiteral('169.254.169.254', closed)).toThrow(/cloud metadata/)
    expect(() => checkHostLiteral('[::1]', closed)).toThrow(/loopback/)
    expect(() => checkHostLiteral('169.254.169.254', { allowPrivateNetworks: true, allowHosts: [] })).not.toThrow()
    expect(() => checkHostLiteral('169.254.169.254', { allowPrivateNetworks: false, allowHosts: ['169.254.169.254'] })).not.toThrow()
    // Host names are judged when resolved, on the addresses the socket then uses.
    expect(() => checkHostLiteral('metadata.internal', closed)).not.toThrow()
  })

  it('matches allowHosts exactly or by a *. suffix, ignoring case and a trailing dot', () => {
    expect(isHostAllowed('Hooks.Example.com.', ['hooks.example.com'])).toBe(true)
    expect(isHostAllowed('a.b.example.com', ['*.example.com'])).toBe(true)
    expect(isHostAllowed('example.com', ['*.example.com'])).toBe(false)
    expect(isHostAllowed('evilexample.com', ['*.example.com'])).toBe(false)
    expect(isHostAllowed('[::1]', ['::1'])).toBe(true)
  })
})
