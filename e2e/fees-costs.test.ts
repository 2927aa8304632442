import { describe, expect, it } from 'vitest'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, submitForm } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

describe.skipIf(skip)(
  `cost of care returns in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('ECC'))

    it('a provider submits a return, is refused a wage below the NLW, and loads a CSV with a bad row', async () => {
      const { fixture } = session.server
      const tab = await session.signedIn(fixture.emails.providerA, PASSWORD)
      expect(await tab.visit('/provider/cost-returns/new')).toBe(200)
      await expectAccessible(tab)
      await tab.page.getByLabel('Location').selectOption(String(fixture.providerA.locationId))
      await tab.page.getByLabel('Financial year').fill('2026/27')
      await tab.page.getByLabel('Home support').check()
      await tab.page.getByLabel('Care worker’s hourly wage').fill('10.00')
      for (const [label, value] of [
        ['Care worker pay', '15'],
        ['On-costs (National Insurance, pension, holiday)', '3'],
        ['Travel time', '2'],
        ['Mileage', '1'],
        ['Training', '0.50'],
        ['Back office', '4'],
        ['Surplus', '1.50'],
      ] as const)
        await tab.page.getByLabel(label, { exact: true }).fill(value)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Submit return' }))
      const summary = tab.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      await summary.waitFor()
      expect(await summary.textContent()).toContain('below the National Living Wage of £12.71')
      await expectAccessible(tab)

      await tab.page.getByLabel('Care worker’s hourly wage').fill('12.80')
      await submitForm(tab, tab.page.getByRole('button', { name: 'Submit return' }))
      expect(await tab.page.getByText('Cost return submitted.').count()).toBe(1)
      await expectAccessible(tab)

      await tab.page.getByLabel('CSV file of cost returns').setInputFiles({
        name: 'returns.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(
          'cqc_location_id,year,sector,staff,food,utilities,maintenance,return_on_operations,return_on_capital\n' +
            `1-L${fixture.code}A,2025/26,older-people-residential,600,50,-1,40,50,60\n`,
        ),
      })
      await submitForm(tab, tab.page.getByRole('button', { name: 'Load returns' }))
      expect(await tab.page.locator('main').textContent()).toContain('Utilities cannot be negative')
      await expectAccessible(tab)
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })

    it('a commissioner builds the home care hourly price against the rate book', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.commissioner, PASSWORD)
      expect(
        await tab.visit(
          '/fees/cost-of-care/2026?pay=15&onCosts=20&travel=3&training=0.5&backOffice=4&surplus=5&newNlw=13.21',
        ),
      ).toBe(200)
      expect(await tab.page.locator('main').textContent()).toContain('£26.78')
      await expectAccessible(tab)
    })
  },
)
