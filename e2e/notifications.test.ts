import { describe, expect, it } from 'vitest'
import { createRequest, submit } from '../src/brokerage/requests/service.ts'
import { PASSWORD } from '../test/helpers.ts'
import { careHomeRequest, sessionUserOf } from '../test/support/request-users.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

describe.skipIf(skip)(
  `council staff's notifications in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('EZN'))

    it('tells a broker of a submitted request in the header and the inbox, and lets them choose how to be told', async () => {
      const { database, fixture } = session.server
      const socialWorker = await sessionUserOf(database, fixture, 'social_worker')
      const clock = { now: new Date('2026-03-02T10:00:00Z') }
      const created = await createRequest(database.db, socialWorker, careHomeRequest(), clock)
      await submit(database.db, socialWorker, created.id, clock)

      const tab = await session.signedIn(fixture.emails.broker, PASSWORD)
      const header = tab.page.getByRole('link', { name: 'Notifications 1 unread' })
      await header.waitFor()
      await Promise.all([tab.page.waitForNavigation(), header.click()])
      expect(tab.path).toBe('/notifications')
      const layout = new Layout(tab.page)
      expect((await layout.heading.textContent())?.trim()).toBe('Notifications')
      const main = tab.page.locator('main')
      expect(await main.textContent()).toContain(`Request ${created.id} was submitted`)
      // The person is not named: the request's reference and a link are enough.
      expect(await main.textContent()).not.toContain('Applethwaite')
      await expectAccessible(tab)

      await submitForm(
        tab,
        tab.page.getByRole('button', { name: `Mark as read: Request ${created.id} was submitted` }),
      )
      expect(tab.path).toBe('/notifications')
      await tab.page.getByRole('link', { name: 'Notifications', exact: true }).waitFor()
      expect(await tab.page.getByText('Unread', { exact: true }).count()).toBe(0)
      await expectAccessible(tab)

      await Promise.all([
        tab.page.waitForNavigation(),
        tab.page.getByRole('link', { name: 'Choose how you are told of each kind of notification' }).click(),
      ])
      expect(tab.path).toBe('/notifications/preferences')
      await expectAccessible(tab)
      await tab.page
        .getByRole('group', { name: 'Request submitted' })
        .getByLabel('Include in a daily email')
        .check()
      await submitForm(tab, tab.page.getByRole('button', { name: 'Save settings' }))
      expect(tab.path).toBe('/notifications/preferences?saved=1')
      expect(await tab.page.locator('.govuk-notification-banner--success').textContent()).toContain(
        'Your notification settings are saved',
      )
      expect(
        await tab.page
          .getByRole('group', { name: 'Request submitted' })
          .getByLabel('Include in a daily email')
          .isChecked(),
      ).toBe(true)
      await expectAccessible(tab)
    })
  },
)
