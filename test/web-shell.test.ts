import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MODULES } from '../src/modules.ts'
import { createServices } from '../src/services.ts'
import { buildApp } from '../src/web/app.ts'
import { testConfig } from './helpers.ts'
import { createTestDatabase } from './support/database.ts'

const database = await createTestDatabase()
afterAll(async () => database.close())

describe('the web shell', () => {
  let app: Awaited<ReturnType<typeof buildApp>>
  beforeAll(async () => {
    app = await buildApp(createServices({ database: database, config: testConfig() }), {
      modules: MODULES,
      logger: pino({ level: 'silent' }),
    })
    app.get('/test/failure', { config: { access: 'public' } }, async () => {
      throw new Error('secret internal detail')
    })
    app.get('/api/v1/test/failure', { config: { access: 'public' } }, async () => {
      throw new Error('secret internal detail')
    })
    await app.ready()
  })
  afterAll(async () => app.close())

  it('shows a GOV.UK 500 page without the error or a stack trace', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/test/failure',
      headers: { accept: 'text/html' },
    })
    expect(response.statusCode).toBe(500)
    expect(response.body).toContain('Sorry, there is a problem with the service')
    expect(response.body).not.toContain('secret internal detail')
    expect(response.body).not.toMatch(/\.ts:\d+/)
  })

  it('answers an API failure with a JSON 500 that hides the cause', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/test/failure' })
    expect(response.statusCode).toBe(500)
    expect(response.json()).toEqual({ error: { status: 500, message: 'Try again later.' } })
  })

  it('has a skip link, a header with the service name, and a footer on every page', async () => {
    const response = await app.inject({ method: 'GET', url: '/sign-in' })
    expect(response.body).toContain('class="govuk-skip-link"')
    expect(response.body).toContain('govuk-service-navigation')
    expect(response.body).toContain('govuk-footer')
    expect(response.headers['content-security-policy']).toContain("script-src 'self' 'nonce-")
  })

  it('gives JSON API responses a policy that allows nothing, and the other security headers', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/test/failure' })
    expect(response.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'")
    expect(response.headers['x-content-type-options']).toBe('nosniff')
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN')
  })
})

describe('route access declarations', () => {
  it('refuse to start a service with a route that does not declare who may use it', async () => {
    const app = await buildApp(createServices({ database: database, config: testConfig() }), {
      modules: MODULES,
      logger: pino({ level: 'silent' }),
    })
    app.get('/test/undeclared', async () => 'open to whom?')
    await expect(app.ready()).rejects.toThrow('Routes without declared access: GET /test/undeclared')
    await app.close().catch(() => {})
  })
})

describe('health', () => {
  it('reports 503 when the database is unavailable', async () => {
    const own = await createTestDatabase()
    const app = await buildApp(createServices({ database: own, config: testConfig() }), {
      modules: MODULES,
      logger: pino({ level: 'silent' }),
    })
    await app.ready()
    await own.close()
    const response = await app.inject({ method: 'GET', url: '/health' })
    expect(response.statusCode).toBe(503)
    expect(response.json()).toMatchObject({ status: 'unavailable', database: { status: 'unavailable' } })
    await app.close()
  })
})
