import { describe, expect, it } from 'vitest'
import { checkWebhookUrl, refusedAddress, type WebhookUrlPolicy } from './url-rules.ts'

const production: WebhookUrlPolicy = {
  allowHttp: false,
  allowPrivate: false,
  ownOrigin: 'https://caremarket.council.example',
}
const reason = (url: string, policy = production) => {
  const result = checkWebhookUrl(url, policy)
  return result.ok ? null : result.reason
}

describe('checkWebhookUrl', () => {
  it('takes a public https URL', () => {
    expect(reason('https://cases.council.example/hooks?x=1')).toBeNull()
    expect(reason('https://93.184.216.34/hooks')).toBeNull()
  })

  it('refuses plain http in production only', () => {
    expect(reason('http://cases.council.example/')).toBe('The URL must start https://')
    expect(reason('http://cases.council.example/', { ...production, allowHttp: true })).toBeNull()
    expect(reason('ftp://cases.council.example/')).toBe('The URL must start https://')
    expect(reason('not a url')).toMatch(/Enter a full URL/)
  })

  it.each([
    'https://127.0.0.1/',
    'https://127.1/',
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0177.0.0.1/',
    'https://0x7f.0.0.1/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://[0:0:0:0:0:ffff:7f00:1]/',
    'https://[::127.0.0.1]/',
    'https://[64:ff9b::7f00:1]/',
    'https://0.0.0.0/',
    'https://[::]/',
    'https://10.1.2.3/',
    'https://172.16.0.1/',
    'https://192.168.1.1/',
    'https://100.64.0.1/',
    'https://169.254.10.10/',
    'https://[fe80::1]/',
    'https://[fc00::1]/',
    'https://[fd12:3456::1]/',
    'https://[::ffff:10.0.0.1]/',
    'https://224.0.0.1/',
  ])('refuses %s as loopback, private or reserved', (url) => {
    expect(reason(url)).toMatch(/must not point at .*(loopback, link-local, private or reserved|metadata)/)
  })

  it.each([
    'https://169.254.169.254/latest/meta-data/',
    'https://[fd00:ec2::254]/',
    'https://[::ffff:169.254.169.254]/',
    'https://2852039166/',
    'https://0xa9fea9fe/',
    'https://169.254.169.254./',
  ])('refuses the metadata address %s, even when private addresses are allowed', (url) => {
    expect(reason(url, { ...production, allowPrivate: true })).toMatch(/cloud metadata address/)
  })

  it('refuses localhost in every spelling, and names without a domain', () => {
    expect(reason('https://localhost/')).toMatch(/localhost, which is this machine/)
    expect(reason('https://localhost./')).toMatch(/localhost, which is this machine/)
    expect(reason('https://LOCALHOST:8443/')).toMatch(/which is this machine/)
    expect(reason('https://api.localhost/')).toMatch(/which is this machine/)
    expect(reason('https://intranet/')).toMatch(/full domain name/)
    expect(reason('https://metadata.google.internal/')).toMatch(/internal name/)
  })

  it('refuses user names and passwords, which hide where a URL goes', () => {
    expect(reason('https://cases.council.example@127.0.0.1/')).toMatch(/user name or password/)
    expect(reason('https://user:pass@cases.council.example/')).toMatch(/user name or password/)
    expect(reason('https://127.0.0.1#@cases.council.example/')).toMatch(/loopback|fragment/)
  })

  it('refuses Caremarket’s own host, whatever the port or trailing dot', () => {
    expect(reason('https://caremarket.council.example/api/v1/requests')).toMatch(/Caremarket itself/)
    expect(reason('https://CAREMARKET.council.example.:444/')).toMatch(/Caremarket itself/)
  })

  it('lets tests reach a loopback receiver only with the test-only flag', () => {
    const test = { allowHttp: true, allowPrivate: true }
    expect(reason('http://127.0.0.1:4567/hook', test)).toBeNull()
    expect(reason('http://127.0.0.1:4567/hook', { ...test, allowPrivate: false })).toMatch(/loopback/)
  })
})

describe('refusedAddress (the addresses a host resolves to)', () => {
  it('refuses private answers and takes public ones', () => {
    expect(refusedAddress('127.0.0.1', false)).toMatch(/loopback/)
    expect(refusedAddress('::ffff:192.168.0.1', false)).toMatch(/private/)
    expect(refusedAddress('fe80::abcd', false)).toMatch(/link-local/)
    expect(refusedAddress('8.8.8.8', false)).toBeNull()
    expect(refusedAddress('2606:4700::1111', false)).toBeNull()
    expect(refusedAddress('169.254.169.254', true)).toMatch(/metadata/)
  })
})
