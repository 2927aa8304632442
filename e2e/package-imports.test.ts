import { describe, expect, it } from 'vitest'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

const HEADER =
  'person_ref,age_band,postcode_district,client_group,service_type,location_ref,weekly_cost,hours_per_week,start_date,end_date,funding'

describe.skipIf(skip)(
  `loading the council’s packages in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('EPK'))

    it('a broker is told what is wrong, sees every rejected row, then loads the corrected file', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.broker, PASSWORD)
      const page = new Layout(tab.page)
      expect(await tab.visit('/packages/import')).toBe(200)
      await expectAccessible(tab)

      // No file chosen: the error summary and the field say so.
      await submitForm(tab, tab.page.getByRole('button', { name: 'Load packages' }))
      const summary = tab.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      await summary.waitFor()
      expect(await summary.textContent()).toContain('Select a file of packages')
      await expectAccessible(tab)

      const file = (rows: string[]) => ({
        name: 'book.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from([HEADER, ...rows].join('\n')),
      })
      const good = 'E100,85+,NR3,older_people,home_care,1-LEPKA,"£410.00",14,01/04/2025,,council'
      await tab.page
        .getByLabel('File of packages')
        .setInputFiles(
          file([good, 'Jane Doe,85+,NR3,older_people,home_care,1-LEPKA,410,14,2025-04-01,,council']),
        )
      await submitForm(tab, tab.page.getByRole('button', { name: 'Load packages' }))
      expect(tab.path).toMatch(/^\/packages\/imports\/\d+$/)
      expect(await page.heading.textContent()).toContain('Nothing was loaded')
      expect(await tab.page.locator('table').textContent()).toContain('person_ref has no digits')
      await expectAccessible(tab)

      await tab.visit('/packages/import')
      await tab.page.getByLabel('File of packages').setInputFiles(file([good]))
      await submitForm(tab, tab.page.getByRole('button', { name: 'Load packages' }))
      expect(await page.heading.textContent()).toContain('Packages loaded')
      await expectAccessible(tab)

      await tab.visit('/packages/imports')
      await expectAccessible(tab)
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })
  },
)
