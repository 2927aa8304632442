import type { AddressInfo } from 'node:net'
import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { makeOffer } from '../src/brokerage/offers/service.ts'
import { addCalendarDays } from '../src/brokerage/rules/index.ts'
import { londonDate } from '../src/shared/dates.ts'
import { createTestApp, type Fixture, PASSWORD, seedCouncil } from '../test/helpers.ts'
import {
  createTestRequest,
  NORWICH,
  setRequestStatus,
  shapeLocation,
  TEST_PERSON,
} from '../test/support/offers-factory.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

class OfferForm extends Layout {
  readonly price: Locator
  readonly day: Locator
  readonly month: Locator
  readonly year: Locator
  readonly meetsAllNeeds: Locator
  readonly send: Locator
  readonly errorSummary: Locator
  readonly banner: Locator

  constructor(page: Page) {
    super(page)
    this.price = page.getByLabel('Price per week')
    this.day = page.getByLabel('Day')
    this.month = page.getByLabel('Month')
    this.year = page.getByLabel('Year')
    this.meetsAllNeeds = page.getByRole('radio', { name: 'Yes' })
    this.send = page.getByRole('button', { name: 'Send offer' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
    this.banner = page.locator('.govuk-notification-banner--success')
  }
}

class AwardForm extends Layout {
  readonly accept: Locator
  readonly errorSummary: Locator

  constructor(page: Page) {
    super(page)
    this.accept = page.getByRole('button', { name: 'Accept offer and create the package' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
  }
}

/** The app on a random port with one council whose two care homes are near the person. */
async function startOffersServer() {
  const { app, database, config, close } = await createTestApp({
    CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000',
  })
  try {
    const fixture: Fixture = await seedCouncil(database, 'EOF', config)
    await shapeLocation(database.db, fixture.providerA.locationId, {
      latitude: NORWICH.latitude + 0.03,
      longitude: NORWICH.longitude,
    })
    await shapeLocation(database.db, fixture.providerB.locationId, {
      latitude: NORWICH.latitude + 0.06,
      longitude: NORWICH.longitude,
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    return { baseUrl: `http://127.0.0.1:${port}`, fixture, database, close }
  } catch (error) {
    await close()
    throw error
  }
}

describe.skipIf(skip)(
  `offers and award in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startOffersServer())
    const signedIn = (email: string) => session.signedIn(email, PASSWORD)

    const submit = submitForm

    it('a provider offers on an anonymised opportunity, and a broker awards it', async () => {
      const { fixture, database } = session.server
      const { requestId } = await createTestRequest(database.db, fixture.councilId, {
        usualPricePence: 95_000,
      })
      const start = addCalendarDays(londonDate(new Date()), 14)
      const rival = await makeOffer(
        database.db,
        { councilId: fixture.councilId, providerOrganisationId: fixture.providerB.id },
        { kind: 'system', label: 'e2e' },
        requestId,
        {
          locationId: fixture.providerB.locationId,
          pricePence: 100_000,
          earliestStart: start,
          meetsAllNeeds: true,
        },
      )

      // The provider finds the opportunity, sees no one's identity, and offers.
      const provider = await signedIn(fixture.emails.providerA)
      expect(await provider.visit('/provider/opportunities')).toBe(200)
      await expectAccessible(provider)
      await submit(provider, provider.page.getByRole('link', { name: `Request ${requestId}` }))
      expect(provider.path).toBe(`/provider/opportunities/${requestId}`)
      const main = (await provider.page.getByRole('main').textContent()) ?? ''
      expect(main).toContain('NR3')
      for (const secret of [TEST_PERSON.name, TEST_PERSON.postcode, TEST_PERSON.nhsNumber as string]) {
        expect(main).not.toContain(secret)
      }
      await expectAccessible(provider)

      const form = new OfferForm(provider.page)
      await submit(provider, form.send)
      await form.errorSummary.waitFor()
      expect(await form.errorSummary.textContent()).toContain('Enter the price')
      await expectAccessible(provider)

      const [year, month, day] = start.split('-') as [string, string, string]
      await form.price.fill('900')
      await form.day.fill(String(Number(day)))
      await form.month.fill(String(Number(month)))
      await form.year.fill(year)
      await form.meetsAllNeeds.check()
      await submit(provider, form.send)
      expect(await form.banner.textContent()).toContain('Your offer has been sent to the council.')
      await expectAccessible(provider)

      await setRequestStatus(database.db, requestId, 'closed')

      // The broker reads the shortlist; choosing the second-ranked offer needs reasons.
      const broker = await signedIn(fixture.emails.broker)
      expect(await broker.visit(`/requests/${requestId}/eligibility?q=EOF`)).toBe(200)
      await expectAccessible(broker)
      expect(await broker.visit(`/requests/${requestId}/offers`)).toBe(200)
      await expectAccessible(broker)
      const award = new AwardForm(broker.page)
      expect(await broker.visit(`/requests/${requestId}/offers/${rival.offer.id}/award`)).toBe(200)
      await submit(broker, award.accept)
      await award.errorSummary.waitFor()
      expect(await award.errorSummary.textContent()).toContain('Enter why the person chose an offer')
      await expectAccessible(broker)

      expect(await broker.visit(`/requests/${requestId}/offers`)).toBe(200)
      const acceptLinks = broker.page.getByRole('link', { name: /^Accept offer/ })
      await submit(broker, acceptLinks.first())
      expect(broker.path).toMatch(new RegExp(`^/requests/${requestId}/offers/\\d+/award$`))
      await expectAccessible(broker)
      await submit(broker, award.accept)
      expect(broker.path).toMatch(/\?done=awarded&package=\d+$/)
      expect(await broker.page.locator('.govuk-notification-banner--success').textContent()).toContain(
        'Offer accepted',
      )
      await expectAccessible(broker)
      const packageId = Number(new URL(broker.page.url()).searchParams.get('package'))

      expect(await broker.visit('/packages')).toBe(200)
      await expectAccessible(broker)
      expect(await broker.visit(`/packages/${packageId}`)).toBe(200)
      await expectAccessible(broker)

      // Only now does the winning provider see who the person is.
      expect(await provider.visit('/provider/packages')).toBe(200)
      await expectAccessible(provider)
      expect(await provider.visit(`/provider/packages/${packageId}`)).toBe(200)
      expect(await provider.page.getByRole('heading', { level: 1 }).textContent()).toContain(TEST_PERSON.name)
      await expectAccessible(provider)

      // The broker sees the award waiting for the provider's answer.
      expect(await broker.visit('/packages?confirmation=awaiting')).toBe(200)
      expect(await broker.page.getByRole('main').textContent()).toContain(`Package ${packageId}`)
      await expectAccessible(broker)

      expect(await broker.visit(`/packages/${packageId}/agreement`)).toBe(200)
      await expectAccessible(broker)

      // The handover: the provider reads the agreement, then answers on the package page.
      expect(await provider.visit(`/provider/packages/${packageId}/agreement`)).toBe(200)
      expect(await provider.page.getByRole('heading', { level: 1 }).textContent()).toContain(
        'Individual service agreement',
      )
      await expectAccessible(provider)
      expect(await provider.visit(`/provider/packages/${packageId}`)).toBe(200)
      await provider.page.locator('summary', { hasText: 'Decline this package' }).click()
      await expectAccessible(provider)
      await submit(provider, provider.page.getByRole('button', { name: 'Decline the package' }))
      const refused = provider.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      await refused.waitFor()
      expect(await refused.textContent()).toContain('Enter why you cannot take this package')
      await expectAccessible(provider)
      await submit(
        provider,
        provider.page.getByRole('button', { name: 'Confirm you will provide this care' }),
      )
      expect(await provider.page.locator('.govuk-notification-banner--success').textContent()).toContain(
        'You have confirmed this package',
      )
      await expectAccessible(provider)
      expect(await provider.visit('/provider/messages')).toBe(200)
      expect(await provider.page.getByRole('main').textContent()).toContain(
        `Your offer on request ${requestId} was accepted`,
      )
      await expectAccessible(provider)

      // The provider hands the package back at short notice: first without saying why, then saying it.
      expect(await provider.visit(`/provider/packages/${packageId}`)).toBe(200)
      const lastDay = provider.page.getByRole('group', { name: 'Last day of care' })
      const [endYear, endMonth, endDay] = addCalendarDays(start, 3).split('-')
      await lastDay.getByLabel('Day').fill(String(Number(endDay)))
      await lastDay.getByLabel('Month').fill(String(Number(endMonth)))
      await lastDay.getByLabel('Year').fill(endYear as string)
      await provider.page
        .getByLabel('Why you are handing the package back')
        .fill('We are closing our home care service')
      await submit(provider, provider.page.getByRole('button', { name: 'Give notice' }))
      await provider.page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor()
      expect(await provider.page.getByRole('alert').textContent()).toContain('cannot give full notice')
      await expectAccessible(provider)
      await provider.page
        .getByLabel('Why you cannot give full notice (if the last day is sooner)')
        .fill('Our registered manager has left')
      await submit(provider, provider.page.getByRole('button', { name: 'Give notice' }))
      expect(provider.path).toMatch(new RegExp(`^/provider/packages/${packageId}\\?done=handedBack$`))
      await expectAccessible(provider)

      expect(await broker.visit(`/packages/${packageId}`)).toBe(200)
      expect(await broker.page.getByRole('main').textContent()).toContain('Handed back by the provider')
      await expectAccessible(broker)
      await submit(broker, broker.page.getByRole('button', { name: 'Re-source' }))
      expect(broker.path).toMatch(/^\/requests\/\d+$/)
      expect(broker.path).not.toBe(`/requests/${requestId}`)

      for (const tab of [provider, broker]) {
        expect(tab.cspViolations, 'Content-Security-Policy violations').toEqual([])
        expect(tab.scriptErrors, 'uncaught script errors').toEqual([])
      }
    })
  },
)
