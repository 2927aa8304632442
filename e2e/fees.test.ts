import { describe, expect, it } from 'vitest'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

const HEADER = 'service_type,client_group,band,locality,price,effective_from,effective_to'

describe.skipIf(skip)(
  `the rate book in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('EFE'))

    it('a commissioner adds a rate, is refused an overlapping one, loads a CSV and ends a rate', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.commissioner, PASSWORD)
      const page = new Layout(tab.page)
      expect(await tab.visit('/admin/fees')).toBe(200)
      expect(await page.heading.textContent()).toContain('Rate book')
      await expectAccessible(tab)

      const addRate = async (year: string) => {
        await tab.page.getByLabel('Service', { exact: true }).selectOption('residential')
        await tab.page.getByLabel('Older people').check()
        await tab.page.getByLabel('Standard').check()
        await tab.page.getByLabel('Usual price', { exact: true }).fill('850.00')
        const from = tab.page.getByRole('group', { name: 'From' })
        await from.getByLabel('Day').fill('1')
        await from.getByLabel('Month').fill('4')
        await from.getByLabel('Year').fill(year)
        await submitForm(tab, tab.page.getByRole('button', { name: 'Add rate' }))
      }
      await addRate('2099')
      expect(await tab.page.getByText('Rate added.').count()).toBe(1)
      expect(await tab.page.locator('table').first().textContent()).toContain('£850.00 per week')
      await expectAccessible(tab)

      await addRate('2100')
      const summary = tab.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      await summary.waitFor()
      expect(await summary.textContent()).toContain('overlaps Care home: residential')
      await expectAccessible(tab)

      await tab.visit('/admin/fees')
      await tab.page.getByLabel('CSV file of rates').setInputFiles({
        name: 'rates.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(
          `${HEADER}\n"=HYPERLINK(""http://evil.example"")",older_people,standard,,24,2099-04-01,\n`,
        ),
      })
      await submitForm(tab, tab.page.getByRole('button', { name: 'Load rates' }))
      expect(await tab.page.locator('main').textContent()).toContain('No rates were loaded')
      await expectAccessible(tab)

      await tab.page.getByLabel('CSV file of rates').setInputFiles({
        name: 'rates.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(`${HEADER}\nhome_care,older_people,standard,,24.50,2099-04-01,\n`),
      })
      await submitForm(tab, tab.page.getByRole('button', { name: 'Load rates' }))
      expect(await tab.page.getByText('1 rates loaded.').count()).toBe(1)
      expect(await tab.page.locator('table').first().textContent()).toContain('£24.50 per hour')

      const row = tab.page.locator('tr').filter({ hasText: 'Care home: residential' })
      await row.getByLabel('Day').fill('31')
      await row.getByLabel('Month').fill('3')
      await row.getByLabel('Year').fill('2100')
      await submitForm(tab, row.getByRole('button', { name: /End rate/ }))
      expect(await tab.page.getByText('Rate ended.').count()).toBe(1)
      expect(await tab.page.locator('table').first().textContent()).toContain('31 March 2100')
      await expectAccessible(tab)
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })
  },
)
