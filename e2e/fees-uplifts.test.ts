import { describe, expect, it } from 'vitest'
import { PASSWORD } from '../test/helpers.ts'
import { loadBook } from '../test/support/uplifts-fixture.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

describe.skipIf(skip)(
  `uplift modelling in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(async () => {
      const server = await startServer('EUP')
      const { fixture } = server
      await loadBook(
        server.database.db,
        fixture.councilId,
        { locationId: fixture.providerA.locationId, providerOrganisationId: fixture.providerA.id },
        [
          {
            personRef: 'E1',
            serviceType: 'residential',
            clientGroup: 'older_people',
            weeklyCostPence: 70_000,
            startDate: '2026-01-01',
          },
          {
            personRef: 'E2',
            serviceType: 'home_care',
            clientGroup: 'older_people',
            weeklyCostPence: 35_000,
            startDate: '2026-01-01',
          },
        ],
      )
      return server
    })

    it('a commissioner costs two scenarios side by side, fits a budget, and is told what is wrong', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.commissioner, PASSWORD)
      const page = new Layout(tab.page)
      expect(await tab.visit('/fees/uplifts/2027')).toBe(200)
      expect(await page.heading.textContent()).toBe('Uplift modelling 2027/28')
      await tab.page.getByRole('img', { name: /^Bar chart of each sector’s annual cost/ }).waitFor()
      await expectAccessible(tab)

      await tab.page.getByLabel('Scenario 1').fill('{"default": 5}')
      await tab.page.getByLabel('Scenario 2 (optional, to compare)').fill('{"default": 2, "home-support": 4}')
      await tab.page.getByLabel('Budget for the uplift (optional)').fill('1,000')
      await submitForm(tab, tab.page.getByRole('button', { name: 'Cost the scenarios' }))
      const table = tab.page.getByRole('table', { name: 'Annual cost by sector, 2027/28' })
      const total = table.getByRole('row').filter({ hasText: 'Total' })
      // 366 days: £36,600 + £18,300 before; after 5%: £38,430 + £19,215.
      expect(await total.textContent()).toContain('£54,900')
      expect(await total.textContent()).toContain('£57,645')
      expect(await tab.page.getByText(/A budget of £1,000 allows [\d.]+% for every sector/).count()).toBe(1)
      await expectAccessible(tab)

      await tab.page.getByLabel('Scenario 1').fill('{"default": -5}')
      await submitForm(tab, tab.page.getByRole('button', { name: 'Cost the scenarios' }))
      const summary = tab.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      await summary.waitFor()
      expect(await summary.textContent()).toContain('default: Must not be negative')
      await expectAccessible(tab)

      // Without JSON: the form builds scenario 1, and a wrong entry is named on the form.
      await tab.page.getByLabel('Uplift for every sector').fill('5')
      await submitForm(tab, tab.page.getByRole('button', { name: 'Cost this scenario' }))
      expect(await total.textContent()).toContain('£57,645')
      await tab.page.getByLabel('Uplift for every sector').fill('five')
      await submitForm(tab, tab.page.getByRole('button', { name: 'Cost this scenario' }))
      await summary.waitFor()
      expect(await summary.textContent()).toContain('Enter a percentage as a number, like 4.55')
      await expectAccessible(tab)
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })

    it('a commissioner saves, compares and chooses scenarios; the public fees page publishes the choice', async () => {
      const { fixture } = session.server
      const tab = await session.signedIn(fixture.emails.commissioner, PASSWORD)
      for (const [name, scenario] of [
        ['Five', '{"default": 5}'],
        ['Two', '{"default": 2}'],
      ] as const) {
        expect(await tab.visit(`/fees/uplifts/2027?scenario=${encodeURIComponent(scenario)}`)).toBe(200)
        await tab.page.getByLabel('Name').fill(name)
        await submitForm(tab, tab.page.getByRole('button', { name: 'Save scenario' }))
        expect(tab.path).toMatch(/^\/fees\/uplifts\/2027\?saved=\d+/)
      }
      await expectAccessible(tab)

      await tab.page.getByLabel('Five').check()
      await tab.page.getByLabel('Two').check()
      await submitForm(tab, tab.page.getByRole('button', { name: 'Compare' }))
      const table = tab.page.getByRole('table', { name: 'Annual cost by sector, 2027/28' })
      expect(await table.textContent()).toContain('Two: annual cost after')
      await expectAccessible(tab)

      await tab.page.getByRole('link', { name: 'Choose “Five”' }).click()
      await tab.page.getByRole('heading', { name: 'Choose “Five”' }).waitFor()
      await submitForm(tab, tab.page.getByRole('button', { name: 'Choose this scenario' }))
      await tab.page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor()
      await expectAccessible(tab)
      await tab.page.getByLabel('How the uplifts were decided').fill('Cabinet on 12 March 2027 agreed 5%')
      await submitForm(tab, tab.page.getByRole('button', { name: 'Choose this scenario' }))
      expect(tab.path).toMatch(/^\/fees\/uplifts\/2027\?chosen=\d+/)
      await expectAccessible(tab)

      const visitor = await session.open()
      expect(await visitor.visit(`/councils/${fixture.code}/market-position/fees/2027`)).toBe(200)
      expect(await visitor.page.getByRole('heading', { level: 1 }).textContent()).toContain(
        'Fees for 2027/28',
      )
      expect(await visitor.page.getByText('Cabinet on 12 March 2027 agreed 5%').count()).toBe(1)
      await expectAccessible(visitor)
      expect(tab.cspViolations).toEqual([])
      expect(visitor.cspViolations).toEqual([])
    })

    it('a commissioner applies scenario 1 after checking what it changes, and sees each price change', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.commissioner, PASSWORD)
      const page = new Layout(tab.page)
      expect(await tab.visit('/fees/uplifts/2027')).toBe(200)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Apply scenario 1 from 1 April 2027' }))
      expect(await page.heading.textContent()).toBe('Apply the 2027/28 uplift')
      await expectAccessible(tab)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Apply the 2027/28 uplift' }))
      expect(await page.heading.textContent()).toBe('The 2027/28 uplift, applied')
      const changes = tab.page.getByRole('table', { name: 'Price changes' })
      // The example scenario's 5%: £700 a week becomes £735 from 1 April 2027.
      expect(await changes.getByRole('row').filter({ hasText: '£735.00' }).textContent()).toContain('£700.00')
      await expectAccessible(tab)
      expect(await tab.visit('/fees/uplifts/2027')).toBe(200)
      expect(await tab.page.getByText('The 2027/28 uplift was applied on').count()).toBe(1)
      expect(tab.cspViolations).toEqual([])
    })
  },
)
