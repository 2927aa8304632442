// Where a webhook may point (server-side request forgery). Checked on the URL as written when an
// endpoint is registered, and on every address its host resolves to when a delivery connects, so a
// name that later resolves to a private address (DNS rebinding) cannot reach one. Pure.
import { BlockList, isIP } from 'node:net'

export interface WebhookUrlPolicy {
  /** Plain http: only outside production. */
  allowHttp: boolean
  /** Loopback and private addresses: tests only. */
  allowPrivate: boolean
  /** This service's own origin, which a webhook may never call. */
  ownOrigin?: string | undefined
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string }

// Addresses no webhook may reach: this machine, its network, link-local (cloud metadata lives at
// 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, benchmarking, multicast and reserved.
const blocked = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(network, prefix, 'ipv4')
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const)
  blocked.addSubnet(network, prefix, 'ipv6')

const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254'])

/** Why an IP address may not be called, or null when it may. */
export function refusedAddress(address: string, allowPrivate: boolean): string | null {
  const plain = address.replace(/^\[|\]$/g, '').toLowerCase()
  const version = isIP(plain)
  if (version === 0) return `${address} is not an IP address`
  // IPv4 carried in IPv6 (::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d, the old ::a.b.c.d) is its IPv4 address.
  const embedded = version === 6 ? embeddedIpv4(plain) : null
  if (embedded) return refusedAddress(embedded, allowPrivate)
  if (METADATA.has(plain)) return `${address} is a cloud metadata address`
  if (allowPrivate) return null
  if (blocked.check(plain, version === 4 ? 'ipv4' : 'ipv6'))
    return `${address} is a loopback, link-local, private or reserved address`
  return null
}

function embeddedIpv4(address: string): string | null {
  const groups = expandIpv6(address)
  if (!groups) return null
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff
  const compatible = groups.slice(0, 6).every((g) => g === 0) && (groups[6] ?? 0) !== 0
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)
  if (!mapped && !compatible && !nat64) return null
  const high = groups[6] ?? 0
  const low = groups[7] ?? 0
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')
}

/** The eight 16-bit groups of an IPv6 address, or null. */
function expandIpv6(address: string): number[] | null {
  let text = address
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number)
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const missing = 8 - left.length - right.length
  if (tail === undefined ? left.length !== 8 : missing < 0) return null
  return [...left, ...Array(tail === undefined ? 0 : missing).fill('0'), ...right].map((g) =>
    Number.parseInt(g, 16),
  )
}

/**
 * Whether a webhook may be registered at this URL. The URL is parsed as a browser would, so
 * decimal, hex and octal IPv4 forms (http://2130706433/) arrive here as the dotted address.
 */
export function checkWebhookUrl(raw: string, policy: WebhookUrlPolicy): UrlCheck {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    return { ok: false, reason: 'Enter a full URL, like https://cases.council.example/webhooks' }
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp))
    return {
      ok: false,
      reason: policy.allowHttp ? 'The URL must start https:// or http://' : 'The URL must start https://',
    }
  if (url.username || url.password)
    return { ok: false, reason: 'The URL must not contain a user name or password' }
  if (url.hash) return { ok: false, reason: 'The URL must not contain a # fragment' }
  // A trailing dot names the same host (localhost. is localhost).
  const host = url.hostname.toLowerCase().replace(/\.+$/, '')
  if (policy.ownOrigin && sameOrigin(url, policy.ownOrigin))
    return { ok: false, reason: 'The URL must not point at Caremarket itself' }
  if (!host) return { ok: false, reason: 'The URL must name a host' }
  if (isIP(host.replace(/^\[|\]$/g, ''))) {
    const refused = refusedAddress(host, policy.allowPrivate)
    if (refused) return { ok: false, reason: `The URL must not point at ${refused}` }
    return { ok: true, url }
  }
  if (!policy.allowPrivate && (host === 'localhost' || host.endsWith('.localhost')))
    return { ok: false, reason: `The URL must not point at ${host}, which is this machine` }
  if (!policy.allowPrivate && !host.includes('.'))
    return { ok: false, reason: `The URL must use a full domain name, not ${host}` }
  if (host === 'metadata.google.internal' || host.endsWith('.internal'))
    return { ok: false, reason: `The URL must not point at ${host}, an internal name` }
  return { ok: true, url }
}

// The host alone: any port or scheme of Caremarket's own host is still Caremarket.
function sameOrigin(url: URL, origin: string): boolean {
  try {
    const strip = (host: string) => host.toLowerCase().replace(/\.+$/, '')
    return strip(new URL(origin).hostname) === strip(url.hostname)
  } catch {
    return false
  }
}
