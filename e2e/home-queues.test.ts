// Each role's home page shows the work waiting for it, counted, oldest first, each line linking to
// its list; checked in Chromium with axe. A broker follows a queue to its list and takes a request.
import { describe, expect, it } from 'vitest'
import { createRequest } from '../src/brokerage/requests/service.ts'
import { addCalendarDays } from '../src/brokerage/rules/index.ts'
import { offers, restrictions } from '../src/db/schema.ts'
import { londonDate } from '../src/shared/dates.ts'
import { PASSWORD } from '../test/helpers.ts'
import {
  createTestRequest,
  placeInvitableLocation,
  setRequestStatus,
} from '../test/support/offers-factory.ts'
import { careHomeRequest, sessionUserOf } from '../test/support/request-users.ts'
import { browserSession, expectAccessible, haveChromium, submitForm, type Tab } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi
const HOUR = 3_600_000

/** The count a queue line shows, as the page says it. */
async function countOf(tab: Tab, id: string): Promise<string | null> {
  return tab.page.locator(`#queue-${id} .app-queue__count`).textContent()
}

describe.skipIf(skip)(
  `each role's home page queue in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    let submittedId = 0
    const session = browserSession(async () => {
      const server = await startServer('EHQ')
      const { db } = server.database
      const { fixture } = server
      await placeInvitableLocation(db, fixture)
      const now = new Date()
      submittedId = (await createTestRequest(db, fixture.councilId, { publish: false }, now)).requestId
      await createTestRequest(db, fixture.councilId, { deadlineAt: new Date(now.getTime() + 20 * HOUR) }, now)
      const closed = (await createTestRequest(db, fixture.councilId, {}, now)).requestId
      await db.insert(offers).values({
        councilId: fixture.councilId,
        requestId: closed,
        locationId: fixture.providerB.locationId,
        providerOrganisationId: fixture.providerB.id,
        pricePence: 90_000,
        earliestStart: addCalendarDays(londonDate(now), 10),
        meetsAllNeeds: true,
      })
      await setRequestStatus(db, closed, 'closed')
      const socialWorker = await sessionUserOf(server.database, fixture, 'social_worker')
      await createRequest(
        db,
        socialWorker,
        careHomeRequest({ startDate: addCalendarDays(londonDate(now), 14) }),
      )
      await db.insert(restrictions).values({
        councilId: fixture.councilId,
        locationId: fixture.providerA.locationId,
        kind: 'no_new_placements',
        startsOn: addCalendarDays(londonDate(now), -5),
        endsOn: addCalendarDays(londonDate(now), 7),
        reason: 'Safeguarding concerns',
        createdBy: 'commissioner@test',
      })
      return server
    })

    it('shows a broker what is waiting, links each line to its list, and counts what they take', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.broker, PASSWORD)
      expect(await tab.visit('/')).toBe(200)
      expect(await countOf(tab, 'to-publish')).toBe('1')
      expect(await countOf(tab, 'closing-soon')).toBe('1')
      expect(await countOf(tab, 'to-award')).toBe('1')
      expect(await tab.page.locator('#queue-to-award').textContent()).toContain('1 offer')
      expect(await countOf(tab, 'no-offers')).toBe('1')
      expect(await countOf(tab, 'assigned-to-me')).toBe('0')
      await expectAccessible(tab)

      await submitForm(tab, tab.page.getByRole('link', { name: 'Submitted, waiting to be published' }))
      expect(tab.path).toBe('/requests?queue=to-publish')
      expect(await tab.page.locator('#result-count').textContent()).toContain('1 request found')
      await expectAccessible(tab)

      await submitForm(tab, tab.page.getByRole('main').getByRole('table').getByRole('link').first())
      expect(tab.path).toBe(`/requests/${submittedId}`)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Assign to me' }))
      expect(await tab.page.getByText(`${session.server.fixture.emails.broker} (you)`).count()).toBe(1)
      await expectAccessible(tab)

      await tab.visit('/')
      expect(await countOf(tab, 'assigned-to-me')).toBe('1')
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })

    it('shows a social worker their drafts and their requests by status', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.social_worker, PASSWORD)
      expect(await tab.visit('/')).toBe(200)
      expect(await countOf(tab, 'my-drafts')).toBe('1')
      expect(await countOf(tab, 'returned')).toBe('0')
      expect(await countOf(tab, 'status-draft')).toBe('1')
      expect(await countOf(tab, 'icl-my-people')).toBe('0')
      await expectAccessible(tab)
    })

    it('shows a provider its new opportunities until it looks at them, and its capacity report', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.providerB, PASSWORD)
      expect(await tab.visit('/')).toBe(200)
      expect(await countOf(tab, 'new-opportunities')).toBe('1')
      expect(await countOf(tab, 'closing-soon')).toBe('1')
      expect(await countOf(tab, 'offers-submitted')).toBe('1')
      expect(await countOf(tab, 'capacity-stale')).toBe('1')
      await expectAccessible(tab)
      await tab.visit('/provider/opportunities')
      await tab.visit('/')
      expect(await countOf(tab, 'new-opportunities')).toBe('0')
    })

    it('shows a commissioner the restrictions due for review and the share of stale capacity reports', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.commissioner, PASSWORD)
      expect(await tab.visit('/')).toBe(200)
      expect(await countOf(tab, 'restrictions-due')).toBe('1')
      expect(await countOf(tab, 'capacity-stale-share')).toBe('100% (2 of 2 locations)')
      expect(await countOf(tab, 'new-market-events')).toBe('0')
      expect(await countOf(tab, 'hard-to-serve')).toBe('0')
      await expectAccessible(tab)
    })
  },
)
