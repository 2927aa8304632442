import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { addCalendarDays } from '../src/brokerage/rules/index.ts'
import { londonDate } from '../src/shared/dates.ts'
import { PASSWORD } from '../test/helpers.ts'
import { placeInvitableLocation } from '../test/support/offers-factory.ts'
import {
  browserSession,
  expectAccessible,
  haveChromium,
  Layout,
  ProviderPreview,
  submitForm,
} from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

/** A question page of a new request: its questions, Continue, and the error summary. */
class QuestionPage extends Layout {
  readonly continueButton: Locator
  readonly errorSummary: Locator

  constructor(page: Page) {
    super(page)
    this.continueButton = page.getByRole('button', { name: 'Continue' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
  }

  /** Fills a GOV.UK date input, found by its legend. */
  async fillDate(legend: string, date: string): Promise<void> {
    const [year, month, day] = date.split('-')
    const group = this.page.getByRole('group', { name: legend })
    await group.getByLabel('Day').fill(String(Number(day)))
    await group.getByLabel('Month').fill(String(Number(month)))
    await group.getByLabel('Year').fill(year ?? '')
  }
}

describe.skipIf(skip)(
  `requesting care in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    // A location the test person can be matched with: publishing to nobody is refused.
    const session = browserSession(async () => {
      const server = await startServer('ERQ')
      await placeInvitableLocation(server.database.db, server.fixture)
      return server
    })
    const signedIn = (email: string) => session.signedIn(email, PASSWORD)

    const submit = submitForm

    it('a social worker requests a care home place, page by page, checks the answers and submits', async () => {
      const { fixture } = session.server
      const tab = await signedIn(fixture.emails.social_worker)
      const page = tab.page
      const question = new QuestionPage(page)
      const startDate = addCalendarDays(londonDate(new Date()), 21)

      expect(await tab.visit('/')).toBe(200)
      await submit(tab, page.getByRole('link', { name: 'Request care' }).first())
      expect(tab.path).toBe('/requests/new')
      await expectAccessible(tab)
      await submit(tab, page.getByRole('button', { name: 'Start now' }))
      expect(tab.path).toBe('/requests/new/person')
      await expectAccessible(tab)

      // The person, with a mistake first.
      await page.getByLabel('Full name').fill('Winifred Applethwaite')
      await question.fillDate('Date of birth', '1938-04-17')
      await page.getByRole('radio', { name: 'Female' }).check()
      await page.getByLabel('Postcode').fill('NR3 1QX')
      await page.getByLabel('NHS number (optional)').fill('943 476 5918')
      await submit(tab, question.continueButton)
      await question.errorSummary.waitFor()
      expect(await question.errorSummary.textContent()).toContain('Enter a real NHS number')
      await expectAccessible(tab)
      await page.getByLabel('NHS number (optional)').fill('943 476 5919')
      await submit(tab, question.continueButton)
      expect(tab.path).toMatch(/^\/requests\/\d+\/edit\/contacts$/)
      const requestPath = tab.path.replace(/\/edit\/contacts$/, '')
      await expectAccessible(tab)

      // How to contact the person: a phone number that is not one first.
      await page.getByLabel('Address line 1').fill('14 Quayside Terrace')
      await page.getByLabel('Town or city').fill('Norwich')
      await page.getByLabel('Phone number').first().fill('call the daughter')
      await page.getByRole('checkbox', { name: 'Their address' }).check()
      await submit(tab, question.continueButton)
      await question.errorSummary.waitFor()
      expect(await question.errorSummary.textContent()).toContain('as a UK phone number')
      await expectAccessible(tab)
      await page.getByLabel('Phone number').first().fill('01632 960 123')
      await submit(tab, question.continueButton)
      expect(tab.path).toBe(`${requestPath}/edit/service-type`)
      await expectAccessible(tab)

      await page.getByRole('radio', { name: 'Care home: dementia residential' }).check()
      await submit(tab, question.continueButton)
      expect(tab.path).toBe(`${requestPath}/edit/needs`)
      await expectAccessible(tab)

      await page.getByRole('radio', { name: 'Older people (65 and over)' }).check()
      await page.getByRole('checkbox', { name: 'Physical disability' }).check()
      await page
        .getByLabel('Summary of needs')
        .fill('Moderate dementia; needs help with washing and dressing.')
      await submit(tab, question.continueButton)
      expect(tab.path).toBe(`${requestPath}/edit/location`)
      await expectAccessible(tab)

      await page.getByLabel('Maximum distance').fill('12')
      await submit(tab, question.continueButton)
      expect(tab.path).toBe(`${requestPath}/edit/start`)
      await expectAccessible(tab)

      await question.fillDate('Start date', startDate)
      await page.getByRole('radio', { name: 'Urgent' }).check()
      await page
        .getByRole('checkbox', { name: 'The person is in hospital, waiting to be discharged' })
        .check()
      await submit(tab, question.continueButton)
      expect(tab.path).toBe(`${requestPath}/edit/price`)
      await expectAccessible(tab)

      await submit(tab, question.continueButton)
      await question.errorSummary.waitFor()
      expect(await question.errorSummary.textContent()).toContain(
        'Enter the usual price or an indicative budget',
      )
      await expectAccessible(tab)
      await page.getByLabel('Usual price').fill('950')
      await submit(tab, question.continueButton)
      expect(tab.path).toBe(`${requestPath}/edit/notes`)
      await expectAccessible(tab)

      await page
        .getByLabel('Notes for providers (optional)')
        .fill('Would like to bring her cat. Winifred’s son is on 07700 900123.')
      await submit(tab, question.continueButton)
      expect(tab.path).toBe(`${requestPath}/check-answers`)
      await expectAccessible(tab)
      // What providers will read: her name taken out, the phone number highlighted.
      const preview = new ProviderPreview(page)
      await preview.section.waitFor()
      expect(await preview.highlights.allTextContents()).toEqual(['Looks like a phone number: 07700 900123'])
      expect(await page.getByRole('main').textContent()).toContain(
        'Taken out, the person’s name: [removed]’s son',
      )
      const main = page.getByRole('main')
      expect(await main.textContent()).toContain('Care home: dementia residential')
      expect(await main.textContent()).toContain('£950.00 per week')

      // Change an answer and come back.
      await submit(tab, page.getByRole('link', { name: 'Change maximum distance' }))
      expect(tab.path).toBe(`${requestPath}/edit/location?return=check`)
      await page.getByLabel('Maximum distance').fill('20')
      await submit(tab, question.continueButton)
      expect(tab.path).toBe(`${requestPath}/check-answers`)
      expect(await main.textContent()).toContain('20 miles')

      await submit(tab, page.getByRole('button', { name: 'Submit request' }))
      expect(tab.path).toBe(`${requestPath}?done=submitted`)
      expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain(
        'Request submitted to the brokerage team.',
      )
      expect(await main.textContent()).toContain('Submitted')
      await expectAccessible(tab)

      expect(await tab.visit('/requests')).toBe(200)
      expect(await main.textContent()).toContain('Winifred Applethwaite')
      await expectAccessible(tab)

      expect(tab.cspViolations, 'Content-Security-Policy violations').toEqual([])
      expect(tab.scriptErrors, 'script errors').toEqual([])
      submittedPath = requestPath
    })

    let submittedPath = ''

    it('a broker publishes the request, and its page shows the deadline and history', async () => {
      const tab = await signedIn(session.server.fixture.emails.broker)
      expect(await tab.visit(submittedPath)).toBe(200)
      await expectAccessible(tab)
      // The notes have a phone number in them: publishing needs the broker to say it was checked.
      const preview = new ProviderPreview(tab.page)
      expect(await preview.highlights.count()).toBe(1)
      await submit(tab, preview.publish)
      await preview.errorSummary.waitFor()
      expect(await preview.errorSummary.textContent()).toContain(
        'Providers would see what looks like a phone number in the notes for providers',
      )
      await expectAccessible(tab)
      await preview.identifiersChecked.check()
      await submit(tab, preview.publish)
      expect(tab.path).toBe(`${submittedPath}?done=published`)
      const main = tab.page.getByRole('main')
      expect(await main.textContent()).toContain('Offers close')
      await expectAccessible(tab)

      // Closing early: a confirmation page that needs a reason, then the real closing time.
      await submit(tab, tab.page.getByRole('button', { name: 'Close to offers early' }))
      expect(tab.path).toBe(`${submittedPath}/close`)
      await expectAccessible(tab)
      await submit(tab, tab.page.getByRole('button', { name: 'Close to offers now' }))
      const closeErrors = tab.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      await closeErrors.waitFor()
      expect(await closeErrors.textContent()).toContain(
        'Enter why you are closing the request to offers early',
      )
      await expectAccessible(tab)
      await tab.page.getByLabel('Why are you closing it early?').fill('Enough offers are in.')
      await submit(tab, tab.page.getByRole('button', { name: 'Close to offers now' }))
      expect(tab.path).toBe(`${submittedPath}?done=closed`)
      expect(await main.textContent()).toMatch(/Closed to offers.*\(UK time\), early/s)
      await expectAccessible(tab)

      expect(await tab.visit(`${submittedPath}/cancel`)).toBe(200)
      await submit(tab, tab.page.getByRole('button', { name: 'Cancel request' }))
      await tab.page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor()
      await expectAccessible(tab)
    })

    it('home care visits are added and removed on one page', async () => {
      const tab = await signedIn(session.server.fixture.emails.broker)
      const page = tab.page
      const question = new QuestionPage(page)
      expect(await tab.visit('/requests/new/person')).toBe(200)
      await page.getByLabel('Full name').fill('Albert Moss')
      await question.fillDate('Date of birth', '1931-11-02')
      await page.getByLabel('Postcode').fill('NR2 4TE')
      await submit(tab, question.continueButton)
      // No contact details: every one of them is optional.
      await submit(tab, question.continueButton)
      await page.getByRole('radio', { name: 'Home care' }).check()
      await submit(tab, question.continueButton)
      const requestPath = tab.path.replace(/\/edit\/needs$/, '')
      expect(await tab.visit(`${requestPath}/edit/visits`)).toBe(200)
      await expectAccessible(tab)

      await submit(tab, question.continueButton)
      await question.errorSummary.waitFor()
      expect(await question.errorSummary.textContent()).toContain('Add at least one visit for home care')
      await expectAccessible(tab)

      for (const day of ['Monday', 'Tuesday', 'Wednesday'])
        await page.getByRole('checkbox', { name: day }).check()
      await page.getByLabel('Earliest start time').fill('07:30')
      await page.getByLabel('Latest finish time').fill('09:00')
      await page.getByLabel('Length of the visit').fill('45')
      await page.getByRole('radio', { name: '2' }).check()
      await submit(tab, page.getByRole('button', { name: 'Add visit' }))
      expect(await page.getByRole('main').textContent()).toContain(
        'Monday to Wednesday, between 07:30 and 09:00, 45 minutes, 2 carers',
      )
      await expectAccessible(tab)
      await submit(tab, page.getByRole('button', { name: 'Remove visit 1' }))
      expect(await page.getByRole('main').textContent()).toContain('No visits added yet.')

      expect(await tab.visit(`${requestPath}/edit/carers`)).toBe(200)
      await expectAccessible(tab)
      expect(await tab.visit(`${requestPath}/check-answers`)).toBe(200)
      await expectAccessible(tab)
      expect(tab.cspViolations, 'Content-Security-Policy violations').toEqual([])
    })
  },
)
