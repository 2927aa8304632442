import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, PASSWORD, seedCouncil } from './helpers.ts'

// Behind a proxy at 10.0.0.7: each request's X-Forwarded-For ends with the address the proxy saw.
const PROXY = '10.0.0.7'
let t: Awaited<ReturnType<typeof createTestApp>>
let council: Fixture
let form: Client

beforeAll(async () => {
  t = await createTestApp({
    CAREMARKET_TRUST_PROXY: '10.0.0.0/8',
    CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '5',
    CAREMARKET_SIGN_IN_FAILURES_PER_EMAIL_PER_MINUTE: '3',
  })
  council = await seedCouncil(t.database, 'LIMITS', t.config)
  form = new Client(t.app)
  await form.get('/sign-in')
})
afterAll(async () => t.close())

let attempt = 0

/** A sign-in attempt arriving from `remoteAddress` with the given X-Forwarded-For. */
async function signInAttempt(options: {
  email: string
  password?: string
  remoteAddress?: string
  forwardedFor?: string
}) {
  attempt++
  return t.app.inject({
    method: 'POST',
    url: '/sign-in',
    remoteAddress: options.remoteAddress ?? PROXY,
    headers: {
      cookie: form.cookies,
      'content-type': 'application/x-www-form-urlencoded',
      ...(options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {}),
    },
    payload: new URLSearchParams({
      _csrf: form.csrfToken,
      email: options.email,
      password: options.password ?? 'wrong password',
    }).toString(),
  })
}

describe('the per-address limit behind a trusted proxy', () => {
  it('counts the address the proxy saw, whatever the client writes before it', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 20; i++) {
      const response = await signInAttempt({
        email: `guess-${attempt}@nowhere.test`,
        forwardedFor: `198.18.${i}.${i + 1}, 203.0.113.50`,
      })
      statuses.push(response.statusCode)
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true)
  })

  it('still tells apart the clients behind the proxy', async () => {
    const response = await signInAttempt({
      email: `guess-${attempt}@nowhere.test`,
      forwardedFor: '203.0.113.50, 203.0.113.51',
    })
    expect(response.statusCode).toBe(401)
  })

  it('ignores X-Forwarded-For from a client that is not a trusted proxy', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      const response = await signInAttempt({
        email: `guess-${attempt}@nowhere.test`,
        remoteAddress: '203.0.113.60',
        forwardedFor: `10.0.0.${i + 1}`,
      })
      statuses.push(response.statusCode)
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429])
  })
})

describe('the per-email-address limit', () => {
  // A different client address for every attempt, as from many machines.
  let client = 0
  const fromSomewhereNew = () => `198.51.100.1, 203.0.113.${100 + (client++ % 100)}`

  it('stops failed sign-ins to one account from many addresses, then refuses even the right password', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const response = await signInAttempt({
        email: i % 2 ? council.emails.broker.toUpperCase() : ` ${council.emails.broker} `,
        forwardedFor: fromSomewhereNew(),
      })
      statuses.push(response.statusCode)
      if (response.statusCode === 429) {
        expect(response.body).toContain('Too many attempts')
        expect(response.body).toContain('There have been too many attempts. Wait a minute, then try again.')
        expect(response.headers['retry-after']).toBe('60')
      }
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429])
    const rightPassword = await signInAttempt({
      email: council.emails.broker,
      password: PASSWORD,
      forwardedFor: fromSomewhereNew(),
    })
    expect(rightPassword.statusCode).toBe(429)
  })

  it('treats an address with no account the same, so the limit does not reveal which exist', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const response = await signInAttempt({ email: 'nobody@limits.test', forwardedFor: fromSomewhereNew() })
      statuses.push(response.statusCode)
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429])
  })

  it('does not count successful sign-ins, nor hold up other accounts', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await signInAttempt({
        email: council.emails.commissioner,
        password: PASSWORD,
        forwardedFor: fromSomewhereNew(),
      })
      expect(response.statusCode).toBe(303)
    }
    const failed = await signInAttempt({
      email: council.emails.commissioner,
      forwardedFor: fromSomewhereNew(),
    })
    expect(failed.statusCode).toBe(401)
  })
})
