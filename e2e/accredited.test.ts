import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

/** The commissioner's form for a service the council accredits itself. */
class AddAccreditedServicePage extends Layout {
  readonly errorSummary: Locator
  readonly submit: Locator

  constructor(page: Page) {
    super(page)
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
    this.submit = page.getByRole('button', { name: 'Add service' })
  }

  field(label: string): Locator {
    return this.page.getByLabel(label, { exact: true })
  }

  choice(legend: string, label: string): Locator {
    return this.page.getByRole('group', { name: legend }).getByLabel(label, { exact: true })
  }

  async fillDate(legend: string, day: string, month: string, year: string): Promise<void> {
    const group = this.page.getByRole('group', { name: legend })
    await group.getByLabel('Day').fill(day)
    await group.getByLabel('Month').fill(month)
    await group.getByLabel('Year').fill(year)
  }
}

describe.skipIf(skip)(
  `council-accredited services in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('EZA'))

    it('lets a commissioner add an accredited day service, which the register then shows', async () => {
      const { fixture } = session.server
      const tab = await session.signedIn(fixture.emails.commissioner, PASSWORD)

      expect(await tab.visit('/accredited-services')).toBe(200)
      await expectAccessible(tab)
      expect(await tab.visit('/accredited-services/new')).toBe(200)
      const form = new AddAccreditedServicePage(tab.page)
      await expectAccessible(tab)

      // An empty form says what is missing, accessibly.
      await submitForm(tab, form.submit)
      await form.errorSummary.waitFor()
      expect(await form.errorSummary.textContent()).toContain('Enter the organisation’s name')
      expect(await form.errorSummary.textContent()).toContain('Choose at least one of the services offered')
      await expectAccessible(tab)

      await form.field('Organisation name').fill('Brightside Community Trust')
      await form.choice('Kind of service', 'Day opportunities service').check()
      await form.field('Service name').fill('Brightside Day Centre')
      await form.field('Address').fill('4 Market Lane, Norwich')
      await form.field('Postcode').fill('NR2 4TT')
      await form.choice('Services offered', 'Day opportunities').check()
      await form.choice('Client groups', 'Older people (65 and over)').check()
      await form.choice('Criteria met', 'Safeguarding policy and lead').check()
      await form.choice('Criteria met', 'Public liability insurance').check()
      await form.fillDate('Accredited from', '1', '4', '2026')
      await form.fillDate('Accredited to', '31', '3', '2099')
      await form.field('Accredited by').fill('Quality and Market Development Team')
      await submitForm(tab, form.submit)

      expect(tab.path).toMatch(/^\/locations\/\d+\?done=accredited-service-added$/)
      const location = new Layout(tab.page)
      expect(await location.heading.textContent()).toContain('Brightside Day Centre')
      const main = await tab.page.locator('main').textContent()
      expect(main).toContain('Council accreditation (day opportunities service)')
      expect(main).toMatch(/CA-S\d{6}/)
      expect(main).toContain('Public liability insurance')
      await expectAccessible(tab)

      expect(await tab.visit('/locations')).toBe(200)
      const row = tab.page.getByRole('row', { name: /Brightside Day Centre/ })
      expect(await row.textContent()).toContain('Council accredited to 31 March 2099')
      expect(await row.textContent()).toContain('Day opportunities')
      await expectAccessible(tab)

      expect(await tab.visit('/accredited-services/import')).toBe(200)
      await expectAccessible(tab)

      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })
  },
)
