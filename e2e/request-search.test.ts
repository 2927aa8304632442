import { describe, expect, it } from 'vitest'
import { createRequest } from '../src/brokerage/requests/service.ts'
import { addCalendarDays } from '../src/brokerage/rules/index.ts'
import { londonDate } from '../src/shared/dates.ts'
import { PASSWORD } from '../test/helpers.ts'
import { careHomeRequest, homeCareRequest, sessionUserOf } from '../test/support/request-users.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startServer } from './server.ts'

const inDays = (days: number) => addCalendarDays(londonDate(new Date()), days)
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

describe.skipIf(skip)(
  `the request search and filter page in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(async () => {
      const server = await startServer('ESR')
      const broker = await sessionUserOf(server.database, server.fixture, 'broker')
      const person = (name: string) => ({ person: { name, dateOfBirth: '1939-05-01', postcode: 'NR3 1QX' } })
      await createRequest(
        server.database.db,
        broker,
        careHomeRequest({ ...person('Zoë Moss-Albright'), startDate: inDays(20) }),
      )
      await createRequest(
        server.database.db,
        broker,
        homeCareRequest({ ...person('Albert Fenwick'), startDate: inDays(30) }),
      )
      return server
    })

    it('a broker searches by part of a name, filters, sees the count and the filters chosen, and clears them', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.broker, PASSWORD)
      const page = new Layout(tab.page)
      expect(await tab.visit('/requests')).toBe(200)
      expect(await page.heading.textContent()).toContain('Sourcing requests')
      expect(await tab.page.locator('#result-count').textContent()).toContain('2 requests found')
      await expectAccessible(tab)

      await tab.page.getByLabel('Search').fill('alb zoe')
      await tab.page.getByLabel('Type of care').selectOption('residential')
      await submitForm(tab, tab.page.getByRole('button', { name: 'Apply filters' }))
      expect(await tab.page.locator('#result-count').textContent()).toContain('1 request found')
      expect(await tab.page.getByRole('link', { name: 'Zoë Moss-Albright' }).count()).toBe(1)
      expect(await tab.page.getByRole('link', { name: /Remove this filter: Search: alb zoe/ }).count()).toBe(
        1,
      )
      expect(await tab.page.getByRole('link', { name: /Download this request as CSV/ }).count()).toBe(1)
      await expectAccessible(tab)

      // Taking the search away keeps the type of care.
      await submitForm(tab, tab.page.getByRole('link', { name: /Remove this filter: Search/ }))
      expect(tab.path).toBe('/requests?serviceType=residential')
      expect(await tab.page.locator('#result-count').textContent()).toContain('1 request found')

      await tab.page.getByLabel('Made on or after').fill('31/2/2026')
      await submitForm(tab, tab.page.getByRole('button', { name: 'Apply filters' }))
      const summary = tab.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      await summary.waitFor()
      expect(await summary.textContent()).toContain('Made on or after must be a real date')
      await expectAccessible(tab)

      await submitForm(tab, tab.page.getByRole('link', { name: 'Clear filters' }).first())
      expect(tab.path).toBe('/requests')
      expect(await tab.page.locator('#result-count').textContent()).toContain('2 requests found')
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })
  },
)
