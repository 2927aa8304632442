import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { locationCoverage, locations } from '../src/db/schema.ts'
import { remindStaleProviders } from '../src/providers/capacity/service.ts'
import { createTestApp, type Fixture, PASSWORD, seedCouncil } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm, type Tab } from './pages.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

/** The capacity pages as a provider fills them in: one fieldset of inputs per location. */
class CapacityPage extends Layout {
  readonly save = this.page.getByRole('button', { name: 'Save capacity' })
  readonly banner = this.page.locator('.govuk-notification-banner--success')
  readonly errorSummary = this.page.getByRole('alert').filter({ hasText: 'There is a problem' })

  input(group: string, label: string) {
    return this.page.getByRole('group', { name: group }).getByLabel(label, { exact: true })
  }
}

/**
 * As e2e/server.ts, with the database at hand to give the provider more than one site (a nursing
 * home and a home care office covering NR1) and to queue the reminder to report capacity.
 */
async function startCapacityServer() {
  const { app, database, config, close } = await createTestApp({
    CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000',
  })
  try {
    const fixture: Fixture = await seedCouncil(database, 'ECP', config)
    const [, homeCare] = await database.db
      .insert(locations)
      .values([
        {
          councilId: fixture.councilId,
          providerOrganisationId: fixture.providerA.id,
          cqcLocationId: '1-ECPNURSING',
          name: 'ECP A Nursing',
          address: '2 A Street',
          registeredBeds: 20,
          serviceTypes: ['nursing_home'],
        },
        {
          councilId: fixture.councilId,
          providerOrganisationId: fixture.providerA.id,
          cqcLocationId: '1-ECPHOMECARE',
          name: 'ECP A Home Care',
          address: '3 A Street',
          serviceTypes: ['home_care'],
        },
      ])
      .returning()
    await database.db
      .insert(locationCoverage)
      .values({ councilId: fixture.councilId, locationId: homeCare?.id as number, outcode: 'NR1' })
    await remindStaleProviders(database.db, fixture.councilId)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    return { baseUrl: `http://127.0.0.1:${port}`, fixture, close }
  } catch (error) {
    await close()
    throw error
  }
}

describe.skipIf(skip)(
  `capacity pages in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(startCapacityServer)
    const signedIn = (email: string) => session.signedIn(email, PASSWORD)

    /** A blocked script only shows in the console; the page would still look right. */
    function expectScriptsRan(tab: Tab): void {
      expect(tab.cspViolations, 'Content-Security-Policy violations').toEqual([])
      expect(tab.scriptErrors, 'uncaught script errors').toEqual([])
    }

    it('a provider updates every site on one page', async () => {
      const { fixture } = session.server
      const tab = await signedIn(fixture.emails.providerA)
      const page = new CapacityPage(tab.page)
      expect(await tab.visit('/provider/capacity')).toBe(200)
      expect(await page.heading.textContent()).toBe('Update capacity')
      await expectAccessible(tab)

      // One wrong figure: the page says which, keeps what was typed, and saves nothing.
      await page.input('ECP A House: vacant beds', 'Residential').fill('31')
      await page.input('ECP A Nursing: vacant beds', 'Nursing').fill('2')
      await submitForm(tab, page.save)
      await page.errorSummary.waitFor()
      expect(await page.errorSummary.textContent()).toContain(
        'ECP A House: residential beds: 31 vacancies are more than its 30 registered beds',
      )
      expect(await page.input('ECP A Nursing: vacant beds', 'Nursing').inputValue()).toBe('2')
      await expectAccessible(tab)

      await page.input('ECP A House: vacant beds', 'Residential').fill('3')
      await page.input('ECP A Home Care: spare home care hours a week', 'NR1').fill('12.5')
      await submitForm(tab, page.save)
      expect(tab.path).toMatch(/saved=3$/)
      expect(await page.banner.textContent()).toContain('3 figures recorded')
      expect(await page.input('ECP A House: vacant beds', 'Residential').inputValue()).toBe('3')
      expect(await page.input('ECP A Home Care: spare home care hours a week', 'NR1').inputValue()).toBe(
        '12.5',
      )
      expect(
        await tab.page.getByRole('group', { name: 'ECP A Nursing: vacant beds' }).textContent(),
      ).toContain('Up to date')
      await expectAccessible(tab)

      // The CSV route, from the same page.
      await submitForm(tab, tab.page.getByRole('link', { name: 'upload a CSV file' }))
      expect(tab.path).toMatch(/\/provider\/capacity\/upload$/)
      await expectAccessible(tab)
      await tab.page.getByLabel('CSV file').setInputFiles({
        name: 'capacity.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(
          'cqc_location_id,bed_type,vacancies\n1-ECPNURSING,nursing,9\n1-ECPNURSING,respite,-1\n',
        ),
      })
      await submitForm(tab, tab.page.getByRole('button', { name: 'Upload capacity' }))
      await tab.page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor()
      expect(await tab.page.getByRole('table').first().textContent()).toContain(
        'respite beds: vacancies cannot be negative',
      )
      await expectAccessible(tab)

      for (const path of [
        '/provider/profile',
        `/provider/profile/locations/${fixture.providerA.locationId}`,
      ]) {
        expect(await tab.visit(path), path).toBe(200)
        await expectAccessible(tab)
      }
      expectScriptsRan(tab)
    })

    it('a commissioner sees the share of beds available, and the outbox', async () => {
      const tab = await signedIn(session.server.fixture.emails.commissioner)
      expect(await tab.visit('/capacity')).toBe(200)
      // ECP A House (30 beds) and ECP A Nursing (20) reported 3 + 2 vacancies: 5 ÷ 50 = 10%, 2 of 3 homes.
      expect(await tab.page.locator('.govuk-body-l').textContent()).toMatch(
        /10% of care home beds are available, from the 2 of 3 care homes \(66\.7%\)/,
      )
      // Each chart is one image, named, and followed by the table of its figures.
      const chart = tab.page.getByRole('img', { name: /share of care home beds available in each locality/ })
      expect(await chart.isVisible()).toBe(true)
      expect(await chart.getAttribute('aria-describedby')).toBe('beds-by-locality-caption')
      await tab.page.getByRole('link', { name: 'Care home beds available by locality' }).click()
      expect(new URL(tab.page.url()).hash).toBe('#beds-by-locality-table')
      expect(
        await tab.page.getByRole('table', { name: 'Care home beds available by locality' }).isVisible(),
      ).toBe(true)
      expect(await tab.page.getByRole('img', { name: /by bed type: All localities/ }).isVisible()).toBe(true)
      await expectAccessible(tab)
      await tab.page.getByLabel('Locality', { exact: true }).selectOption({ label: 'No locality recorded' })
      await submitForm(tab, tab.page.getByRole('button', { name: 'Show bed types' }))
      expect(tab.path).toMatch(/locality=none/)
      expect(await tab.page.getByRole('img', { name: /by bed type: No locality recorded/ }).isVisible()).toBe(
        true,
      )
      await expectAccessible(tab)

      expect(await tab.visit('/admin/outbox')).toBe(200)
      await expectAccessible(tab)
      await submitForm(tab, tab.page.getByRole('link', { name: /Please update your capacity/ }).first())
      expect(tab.path).toMatch(/\/admin\/outbox\/\d+$/)
      expect(await tab.page.getByRole('main').textContent()).toContain('never reported')
      await expectAccessible(tab)
      expectScriptsRan(tab)
    })
  },
)
