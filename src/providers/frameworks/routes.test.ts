import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../../test/helpers.ts'
import { auditLog } from '../../db/schema.ts'
import { londonDate } from '../../shared/dates.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
const clients: Record<string, Client> = {}
let lotId: number
let membershipId: number

async function signedIn(fixture: Fixture, who: keyof Fixture['emails']): Promise<Client> {
  const key = `${fixture.code}:${who}`
  if (!clients[key]) {
    const client = new Client(t.app)
    await client.signIn(fixture.emails[who])
    clients[key] = client
  }
  return clients[key]
}

beforeAll(async () => {
  t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  home = await seedCouncil(t.database, 'FWH', t.config)
  other = await seedCouncil(t.database, 'FWX', t.config)
})
afterAll(async () => t.close())

const LOT_FORM = {
  name: 'Older people’s care homes',
  procurement: 'dps',
  serviceType: 'residential_home',
  description: 'Residential care for people aged 65 and over.',
  questions:
    'Do you accept the council’s terms and conditions?\r\n\r\nHow many of your staff are trained in dementia care?\r\n',
  opensOn: '2020-01-01',
  closesOn: '',
}

describe('a commissioner creates a lot', () => {
  it('explains the problems with an incomplete form and keeps what was typed', async () => {
    const commissioner = await signedIn(home, 'commissioner')
    expect((await commissioner.get('/frameworks/new')).statusCode).toBe(200)
    const response = await commissioner.post('/frameworks', {
      ...LOT_FORM,
      procurement: 'framework',
      questions: '  \n ',
      opensOn: '2025-13-01',
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('govuk-error-summary')
    expect(response.body).toContain('Enter at least one question')
    expect(response.body).toContain('Enter the date applications open')
    expect(response.body).toContain('Enter the date applications close')
    expect(response.body).toContain('value="Older people’s care homes"')
    expect(response.body).toContain('href="#questions"')
  })

  it('creates the lot and shows it with its questions', async () => {
    const commissioner = await signedIn(home, 'commissioner')
    await commissioner.get('/frameworks/new')
    const response = await commissioner.post('/frameworks', LOT_FORM)
    expect(response.statusCode).toBe(303)
    const location = response.headers.location as string
    const match = location.match(/^\/frameworks\/(\d+)\?created=1$/)
    expect(match).not.toBeNull()
    lotId = Number(match?.[1])
    const page = await commissioner.get(location)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('The lot has been created')
    expect(page.body).toContain('<li>Do you accept the council’s terms and conditions?</li>')
    expect(page.body).toContain('<li>How many of your staff are trained in dementia care?</li>')
    expect(page.body).toContain('Never: a DPS is always open')
    expect(page.body).toContain('No applications are waiting for a decision.')

    const again = await commissioner.post('/frameworks', LOT_FORM)
    expect(again.statusCode).toBe(409)
    expect(again.body).toContain('A lot called “Older people’s care homes” already exists')
  })
})

describe('a provider applies', () => {
  it('sees the open lot and a form offering only its own locations', async () => {
    const providerA = await signedIn(home, 'providerA')
    const list = await providerA.get('/provider/frameworks')
    expect(list.statusCode).toBe(200)
    expect(list.body).toContain(`href="/provider/frameworks/${lotId}/apply"`)
    expect(list.body).toContain('None of your locations has applied to a lot yet.')
    const form = await providerA.get(`/provider/frameworks/${lotId}/apply`)
    expect(form.statusCode).toBe(200)
    expect(form.body).toContain('FWH A House')
    expect(form.body).not.toContain('FWH B House')
    expect(form.body).toContain('name="answers-q2"')
  })

  it('must answer every question', async () => {
    const providerA = await signedIn(home, 'providerA')
    await providerA.get(`/provider/frameworks/${lotId}/apply`)
    const response = await providerA.post(`/provider/frameworks/${lotId}/apply`, {
      locationId: String(home.providerA.locationId),
      'answers-q1': 'Yes',
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('href="#answers-q2"')
    expect(response.body).toContain('Answer question 2')
    expect(response.body).toContain('>Yes</textarea>')
  })

  it('cannot apply for another provider’s location, or to another council’s lot', async () => {
    const providerA = await signedIn(home, 'providerA')
    await providerA.get(`/provider/frameworks/${lotId}/apply`)
    const answers = { 'answers-q1': 'Yes', 'answers-q2': 'All of them' }
    for (const locationId of [home.providerB.locationId, other.providerA.locationId]) {
      const response = await providerA.post(`/provider/frameworks/${lotId}/apply`, {
        locationId: String(locationId),
        ...answers,
      })
      expect(response.statusCode).toBe(404)
    }
    const otherProvider = await signedIn(other, 'providerA')
    expect((await otherProvider.get(`/provider/frameworks/${lotId}/apply`)).statusCode).toBe(404)
    await otherProvider.get('/provider/frameworks')
    const foreign = await otherProvider.post(`/provider/frameworks/${lotId}/apply`, {
      locationId: String(other.providerA.locationId),
      ...answers,
    })
    expect(foreign.statusCode).toBe(404)
  })

  it('applies for its own location and sees the application', async () => {
    const providerA = await signedIn(home, 'providerA')
    await providerA.get(`/provider/frameworks/${lotId}/apply`)
    const response = await providerA.post(`/provider/frameworks/${lotId}/apply`, {
      locationId: String(home.providerA.locationId),
      'answers-q1': 'Yes',
      'answers-q2': 'All 24 care staff',
    })
    expect(response.statusCode).toBe(303)
    const match = (response.headers.location as string).match(/^\/provider\/frameworks\?applied=(\d+)$/)
    membershipId = Number(match?.[1])
    expect(membershipId).toBeGreaterThan(0)
    const page = await providerA.get(response.headers.location as string)
    expect(page.body).toContain(
      'Your application for FWH A House to join Older people’s care homes has been sent.',
    )
    expect(page.body).toMatch(/<strong class="govuk-tag govuk-tag--blue">\s*Applied\s*<\/strong>/)

    const form = await providerA.get(`/provider/frameworks/${lotId}/apply`)
    expect(form.body).toContain('None of your locations can apply to this lot now.')
    expect(form.body).toContain('FWH A House: This location has already applied to this lot')
  })
})

describe('a commissioner decides', () => {
  const membershipPath = () => `/frameworks/${lotId}/memberships/${membershipId}`

  it('sees the application awaiting a decision, with the answers', async () => {
    const commissioner = await signedIn(home, 'commissioner')
    const lot = await commissioner.get(`/frameworks/${lotId}`)
    expect(lot.body).toContain(`<a class="govuk-link" href="${membershipPath()}">FWH A House</a>`)
    const page = await commissioner.get(membershipPath())
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('All 24 care staff')
    expect(page.body).toContain('Record decision')
    expect(page.body).toContain('value="admit"')
    expect(page.body).toContain('value="reject"')
    expect(page.body).not.toContain('value="suspend"')
  })

  it('requires a reason to reject', async () => {
    const commissioner = await signedIn(home, 'commissioner')
    await commissioner.get(membershipPath())
    const response = await commissioner.post(membershipPath(), {
      decision: 'reject',
      reason: '',
      effectiveOn: londonDate(new Date()),
      expectedStatus: 'applied',
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('Give the reason for the decision to reject this location')
  })

  it('admits, and the location is then admitted on today’s date, by page and API', async () => {
    const commissioner = await signedIn(home, 'commissioner')
    await commissioner.get(membershipPath())
    const today = londonDate(new Date())
    const response = await commissioner.post(membershipPath(), {
      decision: 'admit',
      reason: '',
      effectiveOn: today,
      expectedStatus: 'applied',
    })
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toBe(`${membershipPath()}?decided=1`)
    const page = await commissioner.get(response.headers.location as string)
    expect(page.body).toContain('Decision recorded: Admitted from')
    expect(page.body).toContain('value="suspend"')
    expect(page.body).toContain(home.emails.commissioner)

    const lot = await commissioner.get(`/frameworks/${lotId}?on=${today}`)
    expect(lot.body).toContain('1 location admitted on')
    const before = await commissioner.get(`/frameworks/${lotId}?on=2020-01-01`)
    expect(before.body).toContain('No location was admitted on 1 January 2020.')

    const api = await commissioner.get(`/api/v1/frameworks/${lotId}/admitted?on=${today}`)
    expect(api.json()).toEqual({
      lot: { id: lotId, name: 'Older people’s care homes', procurement: 'dps' },
      on: today,
      locationIds: [home.providerA.locationId],
    })
    const lots = (await commissioner.get('/api/v1/frameworks')).json() as {
      lots: { id: number; counts: Record<string, number> }[]
    }
    expect(lots.lots.find((l) => l.id === lotId)?.counts).toMatchObject({ applied: 0, admitted: 1 })

    const [entry] = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'lot_membership.admit'), eq(auditLog.entityId, String(membershipId))))
    expect(entry?.actor).toBe(home.emails.commissioner)
  })

  it('explains a decision made on a page that someone else has since changed', async () => {
    const commissioner = await signedIn(home, 'commissioner')
    await commissioner.get(membershipPath())
    const response = await commissioner.post(membershipPath(), {
      decision: 'reject',
      reason: 'Missing evidence',
      effectiveOn: londonDate(new Date()),
      expectedStatus: 'applied',
    })
    expect(response.statusCode).toBe(409)
    expect(response.body).toContain(
      'Someone else has changed this membership since you opened it: it is now admitted.',
    )
  })

  it('refuses a bad date in the admitted lookup', async () => {
    const commissioner = await signedIn(home, 'commissioner')
    const response = await commissioner.get(`/frameworks/${lotId}?on=31%2F12%2F2025`)
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('Enter a date')
    const api = await commissioner.get(`/api/v1/frameworks/${lotId}/admitted?on=tomorrow`)
    expect(api.statusCode).toBe(400)
  })

  it('shows the provider its new status', async () => {
    const providerA = await signedIn(home, 'providerA')
    const page = await providerA.get('/provider/frameworks')
    expect(page.body).toMatch(/<strong class="govuk-tag govuk-tag--green">\s*Admitted\s*<\/strong>/)
  })
})

describe('brokers and social workers read but do not decide', () => {
  it('shows them the lots and memberships without the decision form', async () => {
    for (const role of ['broker', 'social_worker'] as const) {
      const client = await signedIn(home, role)
      const list = await client.get('/frameworks')
      expect(list.statusCode).toBe(200)
      expect(list.body).toContain('Older people’s care homes')
      expect(list.body).not.toContain('Create a lot')
      const page = await client.get(`/frameworks/${lotId}/memberships/${membershipId}`)
      expect(page.statusCode).toBe(200)
      expect(page.body).not.toContain('Record decision')
      const decision = await client.post(`/frameworks/${lotId}/memberships/${membershipId}`, {
        decision: 'suspend',
        reason: 'Not allowed',
        expectedStatus: 'admitted',
      })
      expect(decision.statusCode).toBe(403)
    }
    const history = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityType, 'lot_membership'), eq(auditLog.entityId, String(membershipId))))
    expect(history.map((e) => e.action)).toEqual(['lot_membership.applied', 'lot_membership.admit'])
  })
})

describe('another council', () => {
  it('cannot see or decide on the lot', async () => {
    const commissioner = await signedIn(other, 'commissioner')
    expect((await commissioner.get(`/frameworks/${lotId}`)).statusCode).toBe(404)
    expect((await commissioner.get(`/frameworks/${lotId}/memberships/${membershipId}`)).statusCode).toBe(404)
    await commissioner.get('/frameworks')
    const decision = await commissioner.post(`/frameworks/${lotId}/memberships/${membershipId}`, {
      decision: 'suspend',
      reason: 'Not ours',
    })
    expect(decision.statusCode).toBe(404)
    expect((await commissioner.get(`/api/v1/frameworks/${lotId}/admitted`)).statusCode).toBe(404)
    const lots = (await commissioner.get('/api/v1/frameworks')).json() as { lots: unknown[] }
    expect(lots.lots).toEqual([])
  })
})
