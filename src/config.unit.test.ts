import { describe, expect, it } from 'vitest'
import { ConfigError, cqcApiKey, cqcApiKeyVariable, loadConfig } from './config.ts'

function trustProxy(value: string | undefined) {
  return loadConfig({ CAREMARKET_TRUST_PROXY: value }).trustProxy
}

describe('CAREMARKET_TRUST_PROXY', () => {
  it('trusts no proxy unless told', () => {
    expect(trustProxy(undefined)).toBe(false)
    expect(trustProxy('false')).toBe(false)
  })

  it('takes the proxies’ addresses and CIDR ranges', () => {
    expect(trustProxy('10.0.0.0/8,127.0.0.1')).toEqual(['10.0.0.0/8', '127.0.0.1'])
    expect(trustProxy(' 192.168.1.10 , fd00::/8, ::1 ')).toEqual(['192.168.1.10', 'fd00::/8', '::1'])
    expect(trustProxy('loopback,uniquelocal')).toEqual(['loopback', 'uniquelocal'])
  })

  it('refuses true, which lets a client choose its own address, and says what to write', () => {
    expect(() => trustProxy('true')).toThrow(ConfigError)
    expect(() => trustProxy('true')).toThrow(/CAREMARKET_TRUST_PROXY=10\.0\.0\.0\/8,127\.0\.0\.1/)
  })

  it('refuses a count of proxies, which a client connecting directly could supply', () => {
    expect(() => trustProxy('1')).toThrow(ConfigError)
    expect(() => trustProxy('1')).toThrow(/counts proxies.*list the addresses/)
  })

  it('names each entry that is not an address or range', () => {
    expect(() => trustProxy('10.0.0.0/33,proxy.internal,10.0.0.1')).toThrow(
      /"10\.0\.0\.0\/33", "proxy\.internal", which is not an IP address or CIDR range/,
    )
    expect(() => trustProxy('10.0.0.1,')).toThrow(/""/)
    expect(() => trustProxy('TRUE')).toThrow(ConfigError)
  })
})

describe('webhook settings', () => {
  it('allows plain http only outside production', () => {
    expect(loadConfig({}).webhooks).toEqual({ allowHttp: true, allowPrivate: false })
    expect(loadConfig({ NODE_ENV: 'production' }).webhooks).toEqual({ allowHttp: false, allowPrivate: false })
  })

  it('refuses the test-only private-address flag in production', () => {
    expect(loadConfig({ CAREMARKET_WEBHOOKS_ALLOW_PRIVATE: 'true' }).webhooks.allowPrivate).toBe(true)
    expect(() => loadConfig({ NODE_ENV: 'production', CAREMARKET_WEBHOOKS_ALLOW_PRIVATE: 'true' })).toThrow(
      /for tests only/,
    )
  })
})

describe('CQC API settings', () => {
  it('uses CQC’s public API by default, and no key until one is set', () => {
    const config = loadConfig({})
    expect(config.cqcApi.baseUrl).toBe('https://api.service.cqc.org.uk/public/v1')
    expect(cqcApiKey(config, 'NORFOLK')).toBeUndefined()
  })

  it('gives a council its own key before the shared one, whatever the case of its code', () => {
    const config = loadConfig({
      CAREMARKET_CQC_API_URL: 'http://127.0.0.1:8080/public/v1/',
      CAREMARKET_CQC_API_KEY: 'shared',
      CAREMARKET_CQC_API_KEY_WEST_SUSSEX: ' own ',
    })
    expect(config.cqcApi.baseUrl).toBe('http://127.0.0.1:8080/public/v1')
    expect(cqcApiKey(config, 'west-sussex')).toBe('own')
    expect(cqcApiKey(config, 'NORFOLK')).toBe('shared')
    expect(cqcApiKeyVariable('west-sussex')).toBe('CAREMARKET_CQC_API_KEY_WEST_SUSSEX')
  })

  it('refuses a URL that is not one', () => {
    expect(() => loadConfig({ CAREMARKET_CQC_API_URL: 'cqc' })).toThrow(/CAREMARKET_CQC_API_URL/)
  })
})
