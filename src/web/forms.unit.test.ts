import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { safeReturnPath } from './forms.ts'

const SITE = 'https://caremarket.example'

/** Where a browser on the service goes when it follows `Location: path`. */
function followedFrom(path: string): URL {
  return new URL(path, `${SITE}/sign-in`)
}

function expectSamePlace(input: string) {
  const path = safeReturnPath(input)
  expect(path, JSON.stringify(input)).toMatch(/^\/(?![/\\])/)
  // Printable ASCII only: nothing a browser would strip or a header would refuse.
  expect(path, JSON.stringify(input)).toMatch(/^[\x21-\x7e]*$/)
  expect(followedFrom(path).origin, JSON.stringify(input)).toBe(SITE)
}

// Redirect bypasses seen in the wild: each must send the user to the home page.
const REFUSED = [
  '//evil.example',
  '///evil.example',
  '////evil.example/',
  '/\\evil.example',
  '\\\\evil.example',
  '\\/evil.example',
  '/\\/evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r/evil.example',
  '/\r\n/evil.example',
  '/\t\\evil.example',
  ' //evil.example',
  '  /\\evil.example',
  '\t//evil.example',
  '\u0000//evil.example',
  '//\u0000evil.example',
  '\u3000//evil.example',
  '/.//evil.example',
  '/./\\evil.example',
  '/..//evil.example',
  '/a/..//evil.example',
  '/%2e//evil.example',
  '/%2e%2e//evil.example',
  '/%2E%2E/%2E%2E//evil.example',
  'https://evil.example',
  'https:evil.example',
  'https:/evil.example',
  'http://evil.example',
  '//user:pass@evil.example',
  'https://caremarket.example@evil.example',
  'javascript:alert(document.domain)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'evil.example',
  '@evil.example',
  '\uFF0F\uFF0Fevil.example',
  '\u2215\u2215evil.example',
  `/${'a'.repeat(5000)}`,
  '',
]

// Odd but harmless: they stay paths on this service, percent-encoded as the parser writes them.
const KEPT = [
  ['/admin/users', '/admin/users'],
  ['/requests?status=draft&page=2', '/requests?status=draft&page=2'],
  ['/requests/5/offers#award', '/requests/5/offers#award'],
  ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
  ['/%5Cevil.example', '/%5Cevil.example'],
  ['/%09/evil.example', '/%09/evil.example'],
  ['/@evil.example', '/@evil.example'],
  ['/\u0000evil.example', '/%00evil.example'],
  ['/\uFF0F\uFF0Fevil.example', '/%EF%BC%8F%EF%BC%8Fevil.example'],
  ['/\u2215evil.example', '/%E2%88%95evil.example'],
  ['/ /evil.example', '/%20/evil.example'],
  ['/x/../../evil.example', '/evil.example'],
  ['/a?next=//evil.example#//evil.example', '/a?next=//evil.example#//evil.example'],
] as const

describe('safeReturnPath', () => {
  it.each(REFUSED.map((input) => [JSON.stringify(input).slice(0, 40), input]))(
    'sends %s to the home page',
    (_name, input) => {
      expect(safeReturnPath(input)).toBe('/')
    },
  )

  it.each(KEPT)('keeps %j on this service as %j', (input, path) => {
    expect(safeReturnPath(input)).toBe(path)
    expectSamePlace(input)
  })

  it('accepts only strings', () => {
    for (const value of [undefined, null, 42, ['/admin'], { toString: () => '/admin' }])
      expect(safeReturnPath(value)).toBe('/')
  })

  it('never leaves the service, whatever it is given', () => {
    const risky = fc.constantFrom(
      '/',
      '\\',
      '.',
      '%2e',
      '%2f',
      '%5c',
      '\t',
      '\n',
      '\r',
      ' ',
      '\u0000',
      '@',
      ':',
      '?',
      '#',
      'evil.example',
      'javascript:',
      '\uFF0F',
    )
    const input = fc.oneof(
      fc.string(),
      fc.array(risky, { maxLength: 12 }).map((parts) => parts.join('')),
    )
    fc.assert(
      fc.property(input, (value) => expectSamePlace(value)),
      { numRuns: 5000 },
    )
  })
})
