// /openapi.json is a valid OpenAPI 3.1 document, and what the API answers matches what it declares:
// the brokerage journey runs over HTTP and each answer is checked against its operation's schema.
import { spawnSync } from 'node:child_process'
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { validate } from '@readme/openapi-parser'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import openapiTS from 'openapi-typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueApiToken } from '../src/accounts/api-tokens.ts'
import { addCalendarDays } from '../src/brokerage/rules/index.ts'
import { importCentroids } from '../src/geography/service.ts'
import { londonDate } from '../src/shared/dates.ts'
import { createTestApp, type Fixture, seedCouncil } from './helpers.ts'
import { addLocation, NORWICH, shapeLocation, TEST_PERSON } from './support/offers-factory.ts'

type Schema = Record<string, unknown>
interface Operation {
  requestBody?: { content?: Record<string, { schema?: Schema }> }
  responses: Record<string, { content?: Record<string, { schema?: Schema }>; $ref?: string }>
}
interface Document {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema> }
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const
const CLIENT = fileURLToPath(new URL('fixtures/api-client/journey.ts', import.meta.url))
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc')

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let document: Document
const tokens = { council_admin: '', commissioner: '' }

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'OAS', t.config)
  const { db } = t.database
  await importCentroids(
    db,
    Readable.from(
      `postcode,latitude,longitude\n${TEST_PERSON.postcode},${NORWICH.latitude},${NORWICH.longitude}\n`,
    ),
  )
  await shapeLocation(db, home.providerA.locationId, {
    latitude: NORWICH.latitude + 2 / 69.09,
    longitude: NORWICH.longitude,
  })
  await addLocation(db, home.councilId, home.providerB.id, {
    cqcLocationId: '1-OASFAR',
    latitude: 55,
    longitude: 1,
  })
  for (const role of ['council_admin', 'commissioner'] as const) {
    const spec = {
      councilId: home.councilId,
      name: role,
      role,
      providerOrganisationId: null,
      createdByUserId: null,
    }
    tokens[role] = (await issueApiToken(db, spec, { kind: 'system', label: 'test' })).token
  }
  const response = await t.app.inject({ method: 'GET', url: '/openapi.json' })
  document = response.json() as Document
})
afterAll(async () => t.close())

function apiOperations(): [string, string, Operation][] {
  return Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/api/v1/'))
    .flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map(
        (method) => [path, method, item[method] as Operation] as const,
      ),
    )
    .map(([path, method, op]) => [path, method, op])
}

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toMatch(/^3\.1\./)
    // The validator dereferences in place: give it a copy.
    await expect(validate(structuredClone(document) as never)).resolves.toBeDefined()
  })

  it('declares a schema for every request body and every successful answer under /api/v1', () => {
    const operations = apiOperations()
    expect(operations.length).toBeGreaterThan(30)
    const missing: string[] = []
    for (const [path, method, op] of operations) {
      const name = `${method.toUpperCase()} ${path}`
      const bodies = Object.values(op.requestBody?.content ?? {})
      if (op.requestBody && (bodies.length === 0 || bodies.some((b) => !b.schema)))
        missing.push(`${name} body`)
      const successes = Object.keys(op.responses).filter((status) => status.startsWith('2'))
      if (successes.length === 0) missing.push(`${name} has no 2xx answer`)
      for (const status of successes) {
        if (!op.responses[status]?.content?.['application/json']?.schema) missing.push(`${name} ${status}`)
      }
      for (const status of Object.keys(op.responses).filter((s) => /^[45]/.test(s))) {
        const schema = op.responses[status]?.content?.['application/json']?.schema
        if (schema?.$ref !== '#/components/schemas/Error') missing.push(`${name} ${status} is not an Error`)
      }
    }
    expect(missing).toEqual([])
  })
})

describe('types generated from /openapi.json', () => {
  it('type-check a client that walks the brokerage journey', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'caremarket-api-client-'))
    try {
      await writeFile(
        join(dir, 'api.ts'),
        await openapiTS(structuredClone(document) as never, { silent: true }),
      )
      await copyFile(CLIENT, join(dir, 'journey.ts'))
      const compilerOptions = {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        allowImportingTsExtensions: true,
        types: [],
      }
      await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['journey.ts'] }))
      const tsc = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' })
      expect(tsc.stdout + tsc.stderr).toBe('')
      expect(tsc.status).toBe(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('the brokerage journey over HTTP', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats.default(ajv)
  const startDate = addCalendarDays(londonDate(new Date()), 14)

  /** Sends a call and checks its answer against the schema its operation declares for that status. */
  async function call(token: string, method: string, path: string, url: string, body?: unknown) {
    const response = await t.app.inject({
      method: method as 'GET',
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      payload: body === undefined ? undefined : JSON.stringify(body),
    })
    const operation = document.paths[path]?.[method.toLowerCase()]
    expect(operation, `${method} ${path} is documented`).toBeDefined()
    const declared = operation?.responses[String(response.statusCode)]
    expect(declared, `${method} ${path} declares ${response.statusCode}: ${response.body}`).toBeDefined()
    const schema = declared?.content?.['application/json']?.schema as Schema
    const check = ajv.compile({ ...schema, components: document.components })
    const json = response.json()
    expect(check(json), `${method} ${path} ${response.statusCode}: ${ajv.errorsText(check.errors)}`).toBe(
      true,
    )
    return { status: response.statusCode, json }
  }

  it('answers as /openapi.json says, at every step', async () => {
    const council = home.councilApiToken
    const provider = home.providerApiToken
    const created = await call(council, 'POST', '/api/v1/requests', '/api/v1/requests', {
      person: {
        name: TEST_PERSON.name,
        dateOfBirth: TEST_PERSON.dateOfBirth,
        sex: 'female',
        postcode: TEST_PERSON.postcode,
        nhsNumber: TEST_PERSON.nhsNumber,
      },
      serviceType: 'residential',
      clientGroup: 'older_people',
      specialisms: [],
      needsSummary: 'Help with washing, dressing and medication.',
      startDate,
      urgency: 'routine',
      usualPricePounds: '950',
    })
    expect(created.status).toBe(201)
    const id = created.json.request.id as number
    const requestPath = '/api/v1/requests/{id}'
    expect(
      (await call(council, 'POST', `${requestPath}/submit`, `/api/v1/requests/${id}/submit`, {})).status,
    ).toBe(200)
    expect(
      (await call(council, 'POST', `${requestPath}/publish`, `/api/v1/requests/${id}/publish`, {})).status,
    ).toBe(200)
    await call(council, 'GET', requestPath, `/api/v1/requests/${id}`)
    await call(council, 'GET', '/api/v1/requests', '/api/v1/requests?status=published')
    await call(council, 'GET', `${requestPath}/eligibility`, `/api/v1/requests/${id}/eligibility`)

    const opportunities = await call(provider, 'GET', '/api/v1/opportunities', '/api/v1/opportunities')
    expect(opportunities.json.opportunities.map((o: { requestId: number }) => o.requestId)).toContain(id)
    await call(provider, 'GET', '/api/v1/opportunities/{requestId}', `/api/v1/opportunities/${id}`)
    const offered = await call(provider, 'POST', `${requestPath}/offers`, `/api/v1/requests/${id}/offers`, {
      locationId: home.providerA.locationId,
      pricePence: 95_000,
      earliestStart: startDate,
      meetsAllNeeds: true,
    })
    expect(offered.status).toBe(201)
    const offer = offered.json.offer as { id: number; version: number }
    await call(provider, 'PUT', '/api/v1/offers/{offerId}', `/api/v1/offers/${offer.id}`, {
      version: offer.version,
      pricePence: 94_000,
      earliestStart: startDate,
      meetsAllNeeds: true,
    })
    // A refusal answers with the one Error shape.
    const refused = await call(provider, 'POST', `${requestPath}/offers`, `/api/v1/requests/${id}/offers`, {
      locationId: home.providerA.locationId,
    })
    expect(refused.status).toBe(400)
    expect((await call(provider, 'GET', requestPath, `/api/v1/requests/${id}`)).status).toBe(403)

    expect(
      (
        await call(council, 'POST', `${requestPath}/close`, `/api/v1/requests/${id}/close`, {
          reason: 'Enough offers are in',
        })
      ).status,
    ).toBe(200)
    await call(council, 'GET', `${requestPath}/offers`, `/api/v1/requests/${id}/offers`)
    const awarded = await call(council, 'POST', `${requestPath}/award`, `/api/v1/requests/${id}/award`, {
      offerId: offer.id,
    })
    expect(awarded.status).toBe(201)
    const again = await call(council, 'POST', `${requestPath}/award`, `/api/v1/requests/${id}/award`, {
      offerId: offer.id,
    })
    expect(again.status).toBe(409)
    const packageId = awarded.json.packageId as number
    await call(council, 'GET', '/api/v1/packages', `/api/v1/packages?requestId=${id}`)
    await call(council, 'GET', '/api/v1/packages/{packageId}', `/api/v1/packages/${packageId}`)
    await call(provider, 'GET', '/api/v1/provider/packages', '/api/v1/provider/packages')
    await call(
      provider,
      'GET',
      '/api/v1/provider/packages/{packageId}',
      `/api/v1/provider/packages/${packageId}`,
    )
    expect((await call(council, 'GET', requestPath, '/api/v1/requests/999999')).status).toBe(404)
  })

  it('answers the register, capacity, frameworks and market reads as /openapi.json says', async () => {
    const council = home.councilApiToken
    const provider = home.providerApiToken
    const location = home.providerA.locationId
    await call(council, 'GET', '/api/v1/me', '/api/v1/me')
    expect((await call(council, 'GET', '/api/v1/users', '/api/v1/users')).status).toBe(403)
    expect((await call(tokens.council_admin, 'GET', '/api/v1/users', '/api/v1/users')).status).toBe(200)
    await call(council, 'GET', '/api/v1/locations', '/api/v1/locations?page=1')
    await call(council, 'GET', '/api/v1/locations/{id}', `/api/v1/locations/${location}`)
    await call(council, 'GET', '/api/v1/locations/{id}/quality', `/api/v1/locations/${location}/quality`)
    await call(council, 'GET', '/api/v1/locations/{id}/profile', `/api/v1/locations/${location}/profile`)
    await call(council, 'GET', '/api/v1/restrictions', '/api/v1/restrictions')
    expect(
      (await call(tokens.commissioner, 'GET', '/api/v1/register/imports', '/api/v1/register/imports')).status,
    ).toBe(200)
    await call(council, 'GET', '/api/v1/frameworks', '/api/v1/frameworks')
    await call(council, 'GET', '/api/v1/capacity/summary', '/api/v1/capacity/summary')
    await call(provider, 'POST', '/api/v1/capacity', '/api/v1/capacity', [
      { locationId: location, bedType: 'residential', vacancies: 2 },
    ])
    await call(provider, 'GET', '/api/v1/capacity', '/api/v1/capacity')
    await call(council, 'GET', '/api/v1/icl', '/api/v1/icl')
    await call(council, 'GET', '/api/v1/icl/snapshots', '/api/v1/icl/snapshots')
    await call(council, 'GET', '/api/v1/market-events', '/api/v1/market-events')
    await call(council, 'GET', '/api/v1/insights', '/api/v1/insights')
    expect((await call(council, 'GET', '/api/v1/insights', '/api/v1/insights?from=nonsense')).status).toBe(
      400,
    )
  })
})
