import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

/** A location's page: its quality section, restrictions and the commissioner's buttons. */
class LocationPage extends Layout {
  readonly successBanner: Locator
  readonly placeRestriction: Locator
  readonly recordPammsAudit: Locator
  readonly currentRestrictions: Locator
  readonly pastRestrictions: Locator

  constructor(page: Page) {
    super(page)
    this.successBanner = page.locator('.govuk-notification-banner--success')
    this.placeRestriction = page.getByRole('button', { name: 'Place a restriction' })
    this.recordPammsAudit = page.getByRole('button', { name: 'Record a PAMMS audit' })
    this.currentRestrictions = page.getByRole('table', { name: 'Current and scheduled restrictions' })
    this.pastRestrictions = page.getByRole('table', { name: 'Past restrictions' })
  }

  liftLink(description: string): Locator {
    return this.currentRestrictions.getByRole('link', {
      name: new RegExp(`^Lift restriction: ${description}`),
    })
  }
}

class RestrictionForm extends Layout {
  readonly errorSummary: Locator
  readonly submit: Locator

  constructor(page: Page) {
    super(page)
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
    this.submit = page.getByRole('button', { name: 'Place restriction' })
  }

  kind(label: string): Locator {
    return this.page.getByRole('radio', { name: label })
  }

  async fillDate(legend: string, day: string, month: string, year: string): Promise<void> {
    const group = this.page.getByRole('group', { name: legend })
    await group.getByLabel('Day').fill(day)
    await group.getByLabel('Month').fill(month)
    await group.getByLabel('Year').fill(year)
  }

  get reason(): Locator {
    return this.page.getByLabel('Reason')
  }
}

class LiftForm extends Layout {
  readonly reason: Locator
  readonly submit: Locator

  constructor(page: Page) {
    super(page)
    this.reason = page.getByLabel('Reason for lifting')
    this.submit = page.getByRole('button', { name: 'Lift restriction' })
  }
}

describe.skipIf(skip)(
  `restrictions in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('EZQ'))

    it('lets a commissioner place a restriction through the form and lift it', async () => {
      const { fixture } = session.server
      const tab = await session.signedIn(fixture.emails.commissioner, PASSWORD)

      const locationPath = `/locations/${fixture.providerA.locationId}`
      expect(await tab.visit(locationPath)).toBe(200)
      const location = new LocationPage(tab.page)
      expect(await location.heading.textContent()).toContain('EZQ A House')
      await expectAccessible(tab)

      await submitForm(tab, location.placeRestriction)
      expect(tab.path).toBe(`${locationPath}/restrictions/new`)
      const form = new RestrictionForm(tab.page)
      await expectAccessible(tab)

      // An empty form shows its errors accessibly.
      await submitForm(tab, form.submit)
      await form.errorSummary.waitFor()
      expect(await form.errorSummary.textContent()).toContain('Choose the type of restriction')
      await expectAccessible(tab)

      await form.kind('No new placements').check()
      await form.fillDate('Start date', '3', '2', '2025')
      await form.reason.fill('Safeguarding enquiry in progress')
      await submitForm(tab, form.submit)
      expect(tab.path).toBe(`${locationPath}?done=restriction-placed`)
      expect(await location.successBanner.textContent()).toContain('Restriction placed')
      const row = location.currentRestrictions.getByRole('row', { name: /No new placements/ })
      expect(await row.textContent()).toContain('Safeguarding enquiry in progress')
      expect(await row.textContent()).toContain('3 February 2025')
      await expectAccessible(tab)

      await submitForm(tab, location.liftLink('No new placements'))
      const lift = new LiftForm(tab.page)
      expect(await lift.heading.textContent()).toContain('Lift a restriction')
      await expectAccessible(tab)
      await lift.reason.fill('Enquiry closed with no further action')
      await submitForm(tab, lift.submit)
      expect(tab.path).toBe(`${locationPath}?done=restriction-lifted`)
      expect(await location.successBanner.textContent()).toContain('Restriction lifted')
      expect(await location.currentRestrictions.count()).toBe(0)
      expect(await location.pastRestrictions.textContent()).toContain('Enquiry closed with no further action')
      await expectAccessible(tab)

      // The other commissioner pages pass axe too.
      await submitForm(tab, location.recordPammsAudit)
      expect(tab.path).toBe(`${locationPath}/pamms/new`)
      await expectAccessible(tab)
      expect(await tab.visit('/restrictions')).toBe(200)
      await expectAccessible(tab)

      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })
  },
)
