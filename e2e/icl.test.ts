import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { addCalendarDays } from '../src/brokerage/rules/index.ts'
import { londonDate } from '../src/shared/dates.ts'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startDemoServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

class IclPage extends Layout {
  readonly headline: Locator
  readonly list: Locator
  readonly peopleChart: Locator
  readonly peopleTable: Locator
  readonly hoursChart: Locator
  readonly submit: Locator
  readonly errorSummary: Locator

  constructor(page: Page) {
    super(page)
    this.headline = page.getByRole('table', { name: 'Headline figures' })
    this.list = page.getByRole('table', { name: 'People on the list' })
    this.peopleChart = page.getByRole('img', { name: /^Line chart of the people waiting/ })
    this.peopleTable = page.getByRole('table', { name: 'People waiting at the end of each day' })
    this.hoursChart = page.getByRole('img', { name: /^Line chart of the unfilled home care hours/ })
    this.submit = page.getByRole('button', { name: 'Show the list' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
  }

  /** A headline figure as shown, read back as a number. */
  async figure(measure: string | RegExp): Promise<number> {
    const cell = this.headline.getByRole('row').filter({ hasText: measure }).getByRole('cell')
    return Number(((await cell.textContent()) ?? '').replace(/,/g, '').trim())
  }

  async fillDate(name: 'From' | 'To', date: string): Promise<void> {
    const [year, month, day] = date.split('-') as [string, string, string]
    const group = this.page.getByRole('group', { name })
    await group.getByLabel('Day').fill(String(Number(day)))
    await group.getByLabel('Month').fill(String(Number(month)))
    await group.getByLabel('Year').fill(year)
  }
}

/**
 * The demo council with two weeks of its brokerage, simulated through the services and ending last
 * week: unsourced requests on the list, and a daily snapshot of each day since.
 */
const startIclServer = () =>
  startDemoServer({ startDaysAgo: 21, weeks: 2, seed: 5, volume: 0.25, snapshots: true })

interface ApiList {
  people: number
  unfilledHoursPerWeek: number
  entries: unknown[]
}

describe.skipIf(skip)(
  `the Interim Care List in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startIclServer())

    it('shows a broker the list, its trend, and what is wrong with a filter', async () => {
      const broker = await session.signedIn(session.server.emailOf('broker'), PASSWORD)
      const icl = new IclPage(broker.page)
      expect(await broker.visit('/icl')).toBe(200)
      expect(await icl.heading.textContent()).toBe('Interim Care List')

      // The page opens on who is waiting; the figures are a tab away.
      const api = (await (await broker.context.request.get('/api/v1/icl')).json()) as ApiList
      expect(api.people).toBeGreaterThan(0)
      expect(await icl.list.isVisible()).toBe(true)
      expect(await icl.list.locator('tbody tr').count()).toBe(api.people)
      expect(await icl.headline.count()).toBe(0)

      // At 320 px the wide list scrolls inside its own focusable container, never the page.
      await broker.page.setViewportSize({ width: 320, height: 800 })
      await expect
        .poll(() => broker.page.evaluate(() => document.documentElement.scrollWidth))
        .toBeLessThanOrEqual(320)
      const container = broker.page.getByRole('region', { name: 'People on the list' })
      await expect.poll(() => container.getAttribute('tabindex')).toBe('0')
      await expectAccessible(broker)
      await broker.page.setViewportSize({ width: 1280, height: 800 })

      // The headline agrees with the list and with the API's figures for the same period.
      await broker.page.getByRole('tab', { name: 'Figures' }).click()
      expect(await icl.figure(/People waiting at/)).toBe(api.people)
      expect(await icl.figure('Unfilled hours a week')).toBe(api.unfilledHoursPerWeek)
      await broker.page.getByRole('tab', { name: 'Over time' }).click()

      // A point for each day's snapshot, and the same days in the chart's table.
      const { snapshots } = (await (await broker.context.request.get('/api/v1/icl/snapshots')).json()) as {
        snapshots: unknown[]
      }
      expect(snapshots.length).toBeGreaterThan(1)
      await expect.poll(() => icl.peopleChart.isVisible()).toBe(true)
      await expect.poll(() => icl.hoursChart.isVisible()).toBe(true)
      expect(await icl.peopleChart.locator('.mark-symbol path').count()).toBe(snapshots.length)
      expect(await icl.peopleTable.locator('tbody tr').count()).toBe(snapshots.length)
      await expectAccessible(broker)

      // A period that ends before it starts is refused, with the summary leading to the start date.
      const today = londonDate(new Date())
      await icl.fillDate('From', today)
      await icl.fillDate('To', addCalendarDays(today, -3))
      await submitForm(broker, icl.submit)
      await icl.errorSummary.waitFor()
      expect(await icl.errorSummary.textContent()).toContain(
        'The start date must be on or before the end date',
      )
      await icl.errorSummary.getByRole('link').first().click()
      await expect.poll(() => broker.page.evaluate(() => document.activeElement?.id)).toBe('from-day')
      expect(await icl.list.count()).toBe(0)
      await expectAccessible(broker)

      expect(broker.cspViolations, 'Content-Security-Policy violations').toEqual([])
      expect(broker.scriptErrors, 'uncaught script errors').toEqual([])
    })
  },
)
