import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { londonDate } from '../src/shared/dates.ts'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startDemoServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

class MarketEventsPage extends Layout {
  readonly record: Locator
  readonly totals: Locator
  readonly events: Locator
  readonly headline: Locator

  constructor(page: Page) {
    super(page)
    this.record = page.getByRole('button', { name: 'Record a market event' })
    this.totals = page.getByRole('table', { name: 'Totals by kind of event' })
    this.events = page.getByRole('table', { name: 'Events in the period, newest first' })
    this.headline = page.locator('#failures-headline')
  }
}

class RecordEventPage extends Layout {
  readonly location: Locator
  readonly continue: Locator
  readonly errorSummary: Locator

  constructor(page: Page) {
    super(page)
    this.location = page.getByLabel('Location', { exact: true })
    this.continue = page.getByRole('button', { name: 'Continue' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
  }

  kind(name: string): Locator {
    return this.page.getByRole('radio', { name })
  }

  async fillDate(date: string): Promise<void> {
    const [year, month, day] = date.split('-') as [string, string, string]
    const group = this.page.getByRole('group', { name: 'When it happened' })
    await group.getByLabel('Day').fill(String(Number(day)))
    await group.getByLabel('Month').fill(String(Number(month)))
    await group.getByLabel('Year').fill(year)
  }
}

class FiguresPage extends Layout {
  readonly counted: Locator
  readonly bedsLost: Locator
  readonly peopleAffected: Locator
  readonly extraCost: Locator
  readonly submit: Locator
  readonly errorSummary: Locator

  constructor(page: Page) {
    super(page)
    this.counted = page.locator('#people-counted')
    this.bedsLost = page.getByLabel('Beds lost')
    this.peopleAffected = page.getByLabel('People affected')
    this.extraCost = page.getByLabel('Extra cost to the council (optional)')
    this.submit = page.getByRole('button', { name: 'Record the event' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
  }
}

/** The demo council with a week of simulated brokerage: the year of market events before it too. */
const startEventsServer = () => startDemoServer({ startDaysAgo: 14, weeks: 1, seed: 3, volume: 0.1 })

interface ApiEvents {
  summary: { failures: { events: number; peopleAffected: number } }
  events: { id: number; withdrawnAt: string | null }[]
}

describe.skipIf(skip)(
  `market events in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startEventsServer())

    it('lets a commissioner see the year’s events and record a closure', async () => {
      const tab = await session.signedIn(session.server.emailOf('commissioner'), PASSWORD)
      const list = new MarketEventsPage(tab.page)
      expect(await tab.visit('/market-events')).toBe(200)
      expect(await list.heading.textContent()).toBe('Market events')
      expect(await list.navigationHrefs()).toContain('/sections/market')

      // The simulated year is on the page, as the API has it.
      const before = (await (await tab.context.request.get('/api/v1/market-events')).json()) as ApiEvents
      expect(before.summary.failures.events).toBeGreaterThan(0)
      expect(await list.events.locator('tbody tr').count()).toBe(before.events.length)
      expect(await list.headline.textContent()).toContain(
        `${before.summary.failures.events} market failures affecting ${before.summary.failures.peopleAffected.toLocaleString('en-GB')}`,
      )
      await expectAccessible(tab)

      // Nothing chosen: the summary leads to the first field at fault.
      await Promise.all([tab.page.waitForURL(/\/market-events\/new$/), list.record.click()])
      const form = new RecordEventPage(tab.page)
      await expectAccessible(tab)
      await submitForm(tab, form.continue)
      await form.errorSummary.waitFor()
      expect(await form.errorSummary.textContent()).toContain('Choose what happened')
      await form.errorSummary.getByRole('link', { name: 'Choose what happened' }).click()
      await expect.poll(() => tab.page.evaluate(() => document.activeElement?.id)).toBe('kind')
      await expectAccessible(tab)

      // A closure of a care home today.
      await form.kind('Location closure').check()
      const option = form.location.locator('option').nth(1)
      const locationName = ((await option.textContent()) ?? '').split(',')[0]?.trim() ?? ''
      await form.location.selectOption({ index: 1 })
      await form.fillDate(londonDate(new Date()))
      await submitForm(tab, form.continue)
      const figures = new FiguresPage(tab.page)
      expect(await figures.heading.textContent()).toBe('Record a market event')
      expect(await figures.counted.textContent()).toContain(`active at ${locationName}`)
      await expectAccessible(tab)

      await figures.peopleAffected.fill('-4')
      await submitForm(tab, figures.submit)
      await figures.errorSummary.waitFor()
      expect(await figures.errorSummary.textContent()).toContain('People affected cannot be negative')
      await expectAccessible(tab)
      await figures.peopleAffected.fill('14')
      await figures.extraCost.fill('18,250')
      await submitForm(tab, figures.submit)
      expect(tab.path).toMatch(/^\/market-events\/\d+\?done=recorded$/)
      await expect.poll(() => tab.page.getByText('Market event recorded').isVisible()).toBe(true)
      expect(await tab.page.getByRole('heading', { level: 1 }).textContent()).toContain(
        `Location closure: ${locationName}`,
      )
      await expectAccessible(tab)

      // It counts at once, on the page and through the API.
      const after = (await (await tab.context.request.get('/api/v1/market-events')).json()) as ApiEvents
      expect(after.summary.failures.events).toBe(before.summary.failures.events + 1)
      expect(after.summary.failures.peopleAffected).toBe(before.summary.failures.peopleAffected + 14)
      expect(await tab.visit('/market-events')).toBe(200)
      expect(await list.events.locator('tbody tr').count()).toBe(after.events.length)

      // The insights dashboard counts the same failures for its own period.
      expect(await tab.visit('/insights')).toBe(200)
      const byKind = tab.page.getByRole('table', { name: 'Market events in the period by kind' })
      expect(await byKind.locator('tbody tr').count()).toBe(6)
      expect(await tab.page.locator('#market-events-headline').textContent()).toMatch(/\d+ market failures?/)
      await expectAccessible(tab)

      expect(tab.cspViolations, 'Content-Security-Policy violations').toEqual([])
      expect(tab.scriptErrors, 'uncaught script errors').toEqual([])
    })
  },
)
