import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { auditLog, locations } from '../../db/schema.ts'
import { dateParts } from '../../web/forms.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
let commissioner: Client

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'ART', t.config)
  other = await seedCouncil(t.database, 'ARO', t.config)
  commissioner = await signedIn(home.emails.commissioner)
})
afterAll(async () => t.close())

async function signedIn(email: string): Promise<Client> {
  const client = new Client(t.app)
  await client.signIn(email)
  return client
}

function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&rsquo;/g, '’')
    .replace(/\s+/g, ' ')
}

function multipart(client: Client, url: string, csv: string, fields: Record<string, string> = {}) {
  const boundary = '----caremarket-test-boundary'
  const parts = Object.entries({ _csrf: client.csrfToken, ...fields }).flatMap(([name, value]) => [
    `--${boundary}`,
    `Content-Disposition: form-data; name="${name}"`,
    '',
    value,
  ])
  const payload = [
    ...parts,
    `--${boundary}`,
    'Content-Disposition: form-data; name="file"; filename="accredited.csv"',
    'Content-Type: text/csv',
    '',
    csv,
    `--${boundary}--`,
    '',
  ].join('\r\n')
  return t.app.inject({
    method: 'POST',
    url,
    payload,
    remoteAddress: client.remoteAddress,
    headers: {
      cookie: client.cookies,
      'csrf-token': client.csrfToken,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
  })
}

const form = {
  organisationName: 'Hillside Friends CIO',
  kind: 'community_group',
  name: 'Hillside Friendship Club',
  address: '9 Hill Road, Norwich',
  postcode: 'NR5 8AA',
  serviceTypes: 'day_opportunities',
  clientGroups: 'older_people',
  criteriaMet: 'safeguarding',
  accreditedBy: 'Commissioning panel',
  ...dateParts('accreditedFrom', '2026-01-01'),
  ...dateParts('accreditedTo', '2099-12-31'),
}

const HEADER =
  'Service ID,Organisation ID,Organisation name,Kind,Service name,Address,Postcode,Services,Specialisms,Client groups,Criteria met,Accredited from,Accredited to,Accredited by'

describe('the commissioner’s pages', () => {
  it('are for commissioners only', async () => {
    const broker = await signedIn(home.emails.broker)
    for (const url of ['/accredited-services', '/accredited-services/new', '/accredited-services/import']) {
      expect((await broker.get(url)).statusCode).toBe(403)
      expect((await commissioner.get(url)).statusCode).toBe(200)
    }
  })

  it('add a service to the council’s register, seen by no other council', async () => {
    await commissioner.get('/accredited-services/new')
    const response = await commissioner.post('/accredited-services', form)
    expect(response.statusCode).toBe(303)
    const location = response.headers.location as string
    expect(location).toMatch(/^\/locations\/\d+\?done=accredited-service-added$/)
    const page = textOf((await commissioner.get(location)).body)
    expect(page).toContain('Council-accredited service added to the register')
    expect(page).toContain('Regulated by Council accreditation (community group)')
    expect(page).toContain('Effective rating Accredited (counts as Good)')
    const id = Number(location.split('/')[2]?.split('?')[0])
    const [row] = await t.database.db.select().from(locations).where(eq(locations.id, id))
    expect(row?.councilId).toBe(home.councilId)

    const stranger = await signedIn(other.emails.commissioner)
    expect((await stranger.get(`/locations/${id}`)).statusCode).toBe(404)
    expect(textOf((await commissioner.get('/locations')).body)).toContain('Hillside Friendship Club')
  })

  it('show every problem with the form, keeping what was typed', async () => {
    await commissioner.get('/accredited-services/new')
    const response = await commissioner.post('/accredited-services', {
      ...form,
      organisationName: '',
      postcode: 'NOT A POSTCODE',
      serviceTypes: 'nursing_home',
      ...dateParts('accreditedFrom', '2026-02-31'),
    })
    expect(response.statusCode).toBe(400)
    const text = textOf(response.body)
    expect(text).toContain('Enter the organisation’s name')
    expect(text).toContain('Enter a real postcode, like NR1 3QE')
    expect(text).toContain('is not one of the services offered')
    expect(text).toContain('The date the accreditation starts must be a real date')
    expect(response.body).toContain('href="#accreditedFrom-day"')
    expect(response.body).toContain('value="Hillside Friendship Club"')
  })

  it('import a spreadsheet, reporting refused rows with their lines and keeping none of them', async () => {
    await commissioner.get('/accredited-services/import')
    const good = `DS-9,ORG-9,Hillside Friends CIO,day_opportunities,Hillside Day Club,1 Hill Road,NR5 8AB,day_opportunities,,older_people,insurance,2026-01-01,2099-01-01,Panel`
    const refused = await multipart(
      commissioner,
      '/accredited-services/import',
      [HEADER, good, 'DS-10,,,,,,,,,,,,,'].join('\n'),
    )
    expect(refused.statusCode).toBe(422)
    expect(textOf(refused.body)).toContain('Nothing was imported')
    expect(textOf(refused.body)).toMatch(/3 Enter the organisation’s name/)
    expect(
      (await t.database.db.select().from(locations).where(eq(locations.cqcLocationId, 'CA-DS-9'))).length,
    ).toBe(0)

    await commissioner.get('/accredited-services/import')
    const kept = await multipart(commissioner, '/accredited-services/import', [HEADER, good].join('\n'))
    expect(kept.statusCode).toBe(200)
    expect(textOf(kept.body)).toContain('Added 1')
  })
})

describe('the API', () => {
  it('adds a service from JSON and imports a list, with the CQC import’s report shape', async () => {
    await commissioner.get('/accredited-services')
    const added = await t.app.inject({
      method: 'POST',
      url: '/api/v1/accredited-services',
      remoteAddress: commissioner.remoteAddress,
      headers: {
        cookie: commissioner.cookies,
        'csrf-token': commissioner.csrfToken,
        'content-type': 'application/json',
      },
      payload: JSON.stringify({
        ...form,
        serviceTypes: ['day_opportunities'],
        clientGroups: ['older_people', 'younger_adults'],
        criteriaMet: ['safeguarding', 'dbs_checks'],
        name: 'Hillside Lunch Club',
        serviceId: 'HL-1',
        accreditedFrom: '2026-01-01',
        accreditedTo: '2099-12-31',
      }),
    })
    expect(added.statusCode).toBe(201)
    expect(added.json()).toMatchObject({ serviceId: 'CA-HL-1' })

    const line = `HL-2,ORG-9,Hillside Friends CIO,micro_provider,Hillside Home Help,1 Hill Road,NR5 8AB,home_care,,older_people,insurance,01/01/2026,01/01/2099,Panel`
    const first = await multipart(
      commissioner,
      '/api/v1/accredited-services/imports',
      [HEADER, line].join('\n'),
    )
    expect(first.statusCode).toBe(200)
    const report = first.json()
    expect(Object.keys(report).sort()).toEqual(
      ['added', 'ended', 'importId', 'rejected', 'status', 'unchanged', 'updated'].sort(),
    )
    expect(report).toMatchObject({ added: 1, updated: 0, unchanged: 0, ended: 0, rejected: [] })
    const again = await multipart(
      commissioner,
      '/api/v1/accredited-services/imports',
      [HEADER, line].join('\n'),
    )
    expect(again.json()).toMatchObject({ added: 0, unchanged: 1 })
    const read = await commissioner.get(`/api/v1/accredited-services/imports/${report.importId}`)
    expect(read.json()).toEqual(report)

    const stranger = await signedIn(other.emails.commissioner)
    expect((await stranger.get(`/api/v1/accredited-services/imports/${report.importId}`)).statusCode).toBe(
      404,
    )
    const audits = await t.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'accredited_services.imported'))
    expect(audits.some((a) => a.entityId === String(report.importId))).toBe(true)
  })
})
