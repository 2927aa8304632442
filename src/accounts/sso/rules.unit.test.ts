import { describe, expect, it } from 'vitest'
import { domainAllowed, emailDomain, parseDomains, refusalMessage } from './rules.ts'

describe('allowed email domains', () => {
  it('are read from lines or commas, with or without @, and invalid ones are named', () => {
    expect(parseDomains('norfolk.gov.uk, @NHS.net\nexample..org bad_domain')).toEqual({
      domains: ['norfolk.gov.uk', 'nhs.net'],
      invalid: ['example..org', 'bad_domain'],
    })
    expect(parseDomains('  ')).toEqual({ domains: [], invalid: [] })
  })

  it('match the domain exactly, never a subdomain or a lookalike', () => {
    const allowed = ['norfolk.gov.uk']
    expect(domainAllowed('jo@norfolk.gov.uk', allowed)).toBe(true)
    expect(domainAllowed('JO@Norfolk.Gov.UK', allowed)).toBe(true)
    expect(domainAllowed('jo@evil.norfolk.gov.uk', allowed)).toBe(false)
    expect(domainAllowed('jo@norfolk.gov.uk.evil.test', allowed)).toBe(false)
    expect(domainAllowed('norfolk.gov.uk', allowed)).toBe(false)
    expect(emailDomain('a@b@norfolk.gov.uk')).toBe('norfolk.gov.uk')
  })
})

describe('refusal messages', () => {
  it('name the provider, the council and what to do', () => {
    const context = {
      providerName: 'Norfolk Entra ID',
      councilName: 'Norfolk County Council',
      email: 'jo@gmail.test',
    }
    expect(refusalMessage('domain-not-allowed', context)).toBe(
      'Email addresses ending @gmail.test cannot sign in to Norfolk County Council with Norfolk Entra ID. Sign in with your email address and password, or ask your council’s Caremarket administrator.',
    )
    expect(refusalMessage('unknown-user', context)).toContain(
      'no Caremarket account for jo@gmail.test at Norfolk County Council',
    )
  })
})
