import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { londonDate } from '../src/shared/dates.ts'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

const LOT_NAME = 'Home support – North locality'

class NewLotPage extends Layout {
  readonly name: Locator
  readonly dps: Locator
  readonly serviceType: Locator
  readonly questions: Locator
  readonly opensOn: Locator
  readonly submit: Locator
  readonly errorSummary: Locator

  constructor(page: Page) {
    super(page)
    this.name = page.getByLabel('Name')
    this.dps = page.getByRole('radio', { name: 'Dynamic Purchasing System (DPS)' })
    this.serviceType = page.getByLabel('Service type (optional)')
    this.questions = page.getByLabel('Entry questions')
    this.opensOn = page.getByLabel('Applications open on')
    this.submit = page.getByRole('button', { name: 'Create lot' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
  }
}

class ApplyPage extends Layout {
  readonly submit: Locator
  readonly errorSummary: Locator

  constructor(page: Page) {
    super(page)
    this.submit = page.getByRole('button', { name: 'Submit application' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
  }

  location(name: string): Locator {
    return this.page.getByRole('radio', { name })
  }

  answer(number: number): Locator {
    return this.page.getByRole('textbox', { name: new RegExp(`^${number}\\. `) })
  }
}

class MembershipPage extends Layout {
  readonly reason: Locator
  readonly effectiveOn: Locator
  readonly submit: Locator
  readonly banner: Locator

  constructor(page: Page) {
    super(page)
    this.reason = page.getByLabel('Reason')
    this.effectiveOn = page.getByLabel('Takes effect on')
    this.submit = page.getByRole('button', { name: 'Record decision' })
    this.banner = page.locator('.govuk-notification-banner--success')
  }

  decision(label: string): Locator {
    return this.page.getByRole('radio', { name: label })
  }
}

describe.skipIf(skip)(
  `frameworks in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('EFW'))
    const signedIn = (email: string) => session.signedIn(email, PASSWORD)

    const submit = submitForm

    it('a commissioner creates a DPS lot, a provider applies, and the commissioner admits it', async () => {
      const { fixture } = session.server
      const today = londonDate(new Date())

      const commissioner = await signedIn(fixture.emails.commissioner)
      expect(await commissioner.visit('/frameworks')).toBe(200)
      await expectAccessible(commissioner)
      await submit(commissioner, commissioner.page.getByRole('button', { name: 'Create a lot' }))
      const newLot = new NewLotPage(commissioner.page)
      expect(commissioner.path).toBe('/frameworks/new')
      await expectAccessible(commissioner)

      await submit(commissioner, newLot.submit)
      await newLot.errorSummary.waitFor()
      expect(await newLot.errorSummary.textContent()).toContain('Enter at least one question')
      await expectAccessible(commissioner)

      await newLot.name.fill(LOT_NAME)
      await newLot.dps.check()
      await newLot.serviceType.selectOption('residential_home')
      await newLot.questions.fill(
        'Do you accept the terms and conditions?\nHow do you train staff in dementia care?',
      )
      await newLot.opensOn.fill(today)
      await submit(commissioner, newLot.submit)
      expect(commissioner.path).toMatch(/^\/frameworks\/\d+\?created=1$/)
      expect((await newLot.heading.textContent())?.trim()).toBe(LOT_NAME)
      await expectAccessible(commissioner)
      const lotPath = new URL(commissioner.page.url()).pathname

      const provider = await signedIn(fixture.emails.providerA)
      expect(await provider.visit('/provider/frameworks')).toBe(200)
      await expectAccessible(provider)
      await submit(provider, provider.page.getByRole('link', { name: `Apply to ${LOT_NAME}` }))
      const applyPage = new ApplyPage(provider.page)
      expect((await applyPage.heading.textContent())?.trim()).toBe(LOT_NAME)
      await expectAccessible(provider)

      await applyPage.location(`${fixture.code} A House`).check()
      await submit(provider, applyPage.submit)
      await applyPage.errorSummary.waitFor()
      expect(await applyPage.errorSummary.textContent()).toContain('Answer question 1')
      await expectAccessible(provider)

      await applyPage.answer(1).fill('Yes')
      await applyPage.answer(2).fill('Every carer completes Tier 2 dementia training within 12 weeks.')
      await submit(provider, applyPage.submit)
      expect(provider.path).toMatch(/^\/provider\/frameworks\?applied=\d+$/)
      expect(await provider.page.locator('.govuk-notification-banner--success').textContent()).toContain(
        `Your application for ${fixture.code} A House to join ${LOT_NAME} has been sent.`,
      )
      await expectAccessible(provider)

      expect(await commissioner.visit(lotPath)).toBe(200)
      await submit(commissioner, commissioner.page.getByRole('link', { name: `${fixture.code} A House` }))
      const membership = new MembershipPage(commissioner.page)
      expect((await membership.heading.textContent())?.trim()).toBe(`${fixture.code} A House`)
      expect(await commissioner.page.getByRole('main').textContent()).toContain('Tier 2 dementia training')
      await expectAccessible(commissioner)

      await membership.decision('Reject').check()
      await submit(commissioner, membership.submit)
      await commissioner.page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor()
      await expectAccessible(commissioner)

      await membership.decision('Admit').check()
      await membership.effectiveOn.fill(today)
      await submit(commissioner, membership.submit)
      expect(await membership.banner.textContent()).toContain('Decision recorded: Admitted from')
      await expectAccessible(commissioner)

      expect(await commissioner.visit(lotPath)).toBe(200)
      await commissioner.page.getByLabel('Date').fill(today)
      await submit(commissioner, commissioner.page.getByRole('button', { name: 'Show admitted locations' }))
      const admitted = commissioner.page.getByRole('table').filter({ hasText: 'admitted on' })
      expect(await admitted.textContent()).toContain(`${fixture.code} A House`)
      await expectAccessible(commissioner)

      const broker = await signedIn(fixture.emails.broker)
      expect(await broker.visit(lotPath)).toBe(200)
      await expectAccessible(broker)

      for (const tab of [commissioner, provider, broker]) {
        expect(tab.cspViolations, 'Content-Security-Policy violations').toEqual([])
        expect(tab.scriptErrors, 'uncaught script errors').toEqual([])
      }
    })
  },
)
