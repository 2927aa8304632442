// Who looks after a request: a broker takes it or gives it to a colleague broker of the same
// council, on the request page and through the API; audited; and "assigned to" filters the list
// page, its CSV and GET /api/v1/requests.
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, PASSWORD, seedCouncil } from '../../../test/helpers.ts'
import { placeInvitableLocation } from '../../../test/support/offers-factory.ts'
import { careHomeRequest, sessionUserOf } from '../../../test/support/request-users.ts'
import { addUser } from '../../accounts/service.ts'
import { auditLog } from '../../db/schema.ts'
import { londonDate } from '../../shared/dates.ts'
import { addCalendarDays } from '../rules/index.ts'
import { createRequest, submit } from './service.ts'

let t: Awaited<ReturnType<typeof createTestApp>>
let home: Fixture
let other: Fixture
let colleagueId: number
let otherBrokerId: number
let requestId: number
let untouchedId: number
let otherRequestId: number
const colleague = 'colleague-broker@home.test'
const clients: Record<string, Client> = {}

async function signedIn(email: string): Promise<Client> {
  if (!clients[email]) {
    const client = new Client(t.app)
    await client.signIn(email)
    clients[email] = client
  }
  return clients[email]
}

async function submittedRequest(fixture: Fixture, name: string): Promise<number> {
  const socialWorker = await sessionUserOf(t.database, fixture, 'social_worker')
  const input = careHomeRequest({ startDate: addCalendarDays(londonDate(new Date()), 14) })
  const request = await createRequest(t.database.db, socialWorker, {
    ...input,
    person: { ...(input.person as object), name },
  })
  await submit(t.database.db, socialWorker, request.id)
  return request.id
}

const idsOf = (body: string) => (JSON.parse(body) as { requests: { id: number }[] }).requests.map((r) => r.id)

beforeAll(async () => {
  t = await createTestApp()
  home = await seedCouncil(t.database, 'ASG', t.config)
  other = await seedCouncil(t.database, 'ASO', t.config)
  await placeInvitableLocation(t.database.db, home)
  const options = { passwordCostLog2: t.config.passwordCostLog2 }
  const system = { kind: 'system', label: 'test' } as const
  colleagueId = (
    await addUser(
      t.database.db,
      home.councilId,
      { email: colleague, role: 'broker', password: PASSWORD },
      system,
      options,
    )
  ).id
  otherBrokerId = (await sessionUserOf(t.database, other, 'broker')).id
  requestId = await submittedRequest(home, 'Agatha Assigned')
  untouchedId = await submittedRequest(home, 'Norman Nobody')
  otherRequestId = await submittedRequest(other, 'Elsie Elsewhere')
})
afterAll(async () => t.close())

describe('assigning a request on its page', () => {
  it('lets a broker take it, shows who has it, and audits it', async () => {
    const broker = await signedIn(home.emails.broker)
    const before = await broker.get(`/requests/${requestId}`)
    expect(before.body).toContain('No broker yet')
    expect(before.body).toContain('Assign to me')
    const taken = await broker.post(`/requests/${requestId}/assignment`, {})
    expect(taken.statusCode).toBe(303)
    expect(taken.headers.location).toBe(`/requests/${requestId}?done=assigned`)
    const after = await broker.get(`/requests/${requestId}`)
    expect(after.body).toContain(`${home.emails.broker} (you)`)
    expect(after.body).not.toContain('Assign to me')
    const audited = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'request.assigned'), eq(auditLog.entityId, String(requestId))))
    expect(audited).toHaveLength(1)
    expect(audited[0]?.details).toMatchObject({ from: null, toEmail: home.emails.broker })
  })

  it('gives it to a colleague chosen from the council’s brokers, and asks for a choice when none is made', async () => {
    const broker = await signedIn(home.emails.broker)
    const page = await broker.get(`/requests/${requestId}`)
    expect(page.body).toContain(`<option value="${colleagueId}">${colleague}</option>`)
    expect(page.body).not.toContain(other.emails.broker)
    const unchosen = await broker.post(`/requests/${requestId}/assignment`, { userId: '' })
    expect(unchosen.statusCode).toBe(400)
    expect(unchosen.body).toContain('Choose the broker to assign it to')
    const given = await broker.post(`/requests/${requestId}/assignment`, { userId: String(colleagueId) })
    expect(given.statusCode).toBe(303)
    expect((await broker.get(`/requests/${requestId}`)).body).toContain(
      `<dd class="govuk-summary-list__value">\n      ${colleague}`,
    )
  })

  it('refuses another council’s broker as the assignee', async () => {
    const broker = await signedIn(home.emails.broker)
    const refused = await broker.post(`/requests/${requestId}/assignment`, { userId: String(otherBrokerId) })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toContain('is not an active broker of this council')
  })
})

describe('assigning through the API', () => {
  const assign = async (email: string, id: number, body: Record<string, string>) =>
    (await signedIn(email)).post(`/api/v1/requests/${id}/assignment`, body)

  it('assigns by email address or user ID, or to the broker asking', async () => {
    const byEmail = await assign(home.emails.broker, untouchedId, { brokerEmail: colleague })
    expect(byEmail.statusCode).toBe(200)
    expect(byEmail.json()).toMatchObject({ request: { id: untouchedId, assignedBrokerId: colleagueId } })
    const self = await assign(home.emails.broker, untouchedId, {})
    const brokerId = (await sessionUserOf(t.database, home, 'broker')).id
    expect(self.json()).toMatchObject({ request: { assignedBrokerId: brokerId } })
    const byId = await assign(home.emails.broker, untouchedId, { userId: String(colleagueId) })
    expect(byId.json()).toMatchObject({ request: { assignedBrokerId: colleagueId } })
  })

  it('answers 400 naming the field for someone who is not a broker of the council, or for both fields', async () => {
    const socialWorker = await assign(home.emails.broker, untouchedId, {
      brokerEmail: home.emails.social_worker,
    })
    expect(socialWorker.statusCode).toBe(400)
    expect(JSON.stringify(socialWorker.json())).toContain('brokerEmail')
    const elsewhere = await assign(home.emails.broker, untouchedId, { userId: String(otherBrokerId) })
    expect(elsewhere.statusCode).toBe(400)
    const both = await assign(home.emails.broker, untouchedId, {
      userId: String(colleagueId),
      brokerEmail: colleague,
    })
    expect(both.statusCode).toBe(400)
    const nonsense = await assign(home.emails.broker, untouchedId, { userId: 'x' })
    expect(nonsense.statusCode).toBe(400)
  })

  it('refuses other roles with 403 and another council’s request with 404', async () => {
    expect((await assign(home.emails.social_worker, untouchedId, {})).statusCode).toBe(403)
    expect((await assign(home.emails.commissioner, untouchedId, {})).statusCode).toBe(403)
    expect((await assign(home.emails.broker, otherRequestId, {})).statusCode).toBe(404)
  })
})

describe('"assigned to" as a filter', () => {
  it('finds the requests assigned to me, to a broker, or to nobody, through the API', async () => {
    const colleagueClient = await signedIn(colleague)
    expect(idsOf((await colleagueClient.get('/api/v1/requests?assignedTo=me')).body).sort()).toEqual(
      [requestId, untouchedId].sort(),
    )
    const broker = await signedIn(home.emails.broker)
    expect(idsOf((await broker.get('/api/v1/requests?assignedTo=me')).body)).toEqual([])
    expect(idsOf((await broker.get(`/api/v1/requests?assignedTo=${colleagueId}`)).body).sort()).toEqual(
      [requestId, untouchedId].sort(),
    )
    expect(idsOf((await broker.get('/api/v1/requests?assignedTo=none')).body)).not.toContain(requestId)
    const listed = (await broker.get(`/api/v1/requests?assignedTo=${colleagueId}`)).json() as {
      requests: { assignedBrokerEmail: string | null }[]
    }
    expect(listed.requests.map((r) => r.assignedBrokerEmail)).toEqual([colleague, colleague])
    const bad = await broker.get('/api/v1/requests?assignedTo=someone')
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('assignedTo must be me, none or a user ID')
  })

  it('filters the list page and its CSV, showing the assigned broker', async () => {
    const colleagueClient = await signedIn(colleague)
    const page = await colleagueClient.get('/requests?assignedTo=me')
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Agatha Assigned')
    expect(page.body).toContain('Norman Nobody')
    expect(page.body).toContain('2 requests found')
    const broker = await signedIn(home.emails.broker)
    const mine = await broker.get('/requests?assignedTo=me')
    expect(mine.body).toContain('0 requests found')
    const csv = await broker.get(`/requests.csv?assignedTo=${colleagueId}`)
    expect(csv.body.split('\n')[0]).toContain('assigned broker')
    expect(csv.body).toContain(colleague)
    expect((await broker.get('/requests?assignedTo=1x')).statusCode).toBe(400)
  })
})
