import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { markUnsourced } from '../../brokerage/offers/award.ts'
import { createTestRequest, setRequestStatus } from '../../brokerage/offers/test-factory.ts'
import { addCalendarDays, londonDate } from '../../brokerage/rules/index.ts'
import { localities } from '../../db/schema.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
const NAME = 'Ottoline Quarrendon'

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'ICLW', t.config)
  await t.database.db.insert(localities).values({ councilId: home.councilId, name: 'North' })
  const { requestId } = await createTestRequest(t.database.db, home.councilId, {
    person: { name: NAME, dateOfBirth: '1936-02-02' },
    publish: false,
  })
  await setRequestStatus(t.database.db, requestId, 'closed')
  await markUnsourced(
    t.database.db,
    { councilId: home.councilId, actor: { kind: 'system', label: 'test' } },
    requestId,
    { inHospital: true },
  )
})
afterAll(async () => t.close())

async function signedIn(role: 'broker' | 'commissioner' | 'council_admin'): Promise<Client> {
  const client = new Client(t.app)
  await client.signIn(home.emails[role])
  return client
}

describe('the Interim Care List page', () => {
  it('shows the headline, the breakdowns and who is waiting', async () => {
    const response = await (await signedIn('commissioner')).get('/icl')
    expect(response.statusCode).toBe(200)
    expect(response.body).toContain('Headline figures')
    expect(response.body).toContain('By age group')
    expect(response.body).toContain(NAME)
    expect(response.body).toContain('href="/icl.csv?from=')
  })

  const today = londonDate(new Date())
  const refusals: [string, string, string][] = [
    ['a reversed period', `/icl?from=${today}&to=${addCalendarDays(today, -3)}`, '#from-day'],
    ['an end in the future', `/icl?to=${addCalendarDays(today, 400)}`, '#to-day'],
    ['a date that does not exist', '/icl?from-day=30&from-month=2&from-year=2026', '#from-day'],
    ['an unknown locality', '/icl?locality=Atlantis', '#locality'],
  ]
  for (const [what, url, link] of refusals) {
    it(`refuses ${what} with an error summary, not a 500`, async () => {
      const response = await (await signedIn('broker')).get(url)
      expect(response.statusCode).toBe(400)
      expect(response.body).toContain('There is a problem')
      expect(response.body).toContain(`href="${link}"`)
      expect(response.body).not.toContain(NAME)
    })
  }

  it('keeps a locality that exists', async () => {
    const response = await (await signedIn('council_admin')).get('/icl?locality=North')
    expect(response.statusCode).toBe(200)
    // The test person has no locality, so North has nobody.
    expect(response.body).not.toContain(NAME)
  })

  it('exports the list as CSV', async () => {
    const response = await (await signedIn('broker')).get('/icl.csv')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toContain('text/csv')
    const [header, row] = response.body.trim().split('\n')
    expect(header).toBe(
      'request,name,days waiting,unfilled hours a week,locality,PCN,age group,care type,in hospital',
    )
    expect(row).toContain(NAME)
    expect(row).toMatch(/,85\+,Care home: residential,yes$/)
  })
})
