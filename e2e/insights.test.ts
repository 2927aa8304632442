import { readFile } from 'node:fs/promises'
import { parse } from 'csv-parse/sync'
import { and, asc, eq, gt } from 'drizzle-orm'
import type { Download, Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { getCouncilByCode } from '../src/accounts/service.ts'
import { bedVacancyReports, locations } from '../src/db/schema.ts'
import type { InsightsReport } from '../src/market/insights/service.ts'
import { bedTypesFor } from '../src/providers/capacity/rules.ts'
import { PASSWORD } from '../test/helpers.ts'
import {
  accessibilityProblems,
  browserSession,
  expectAccessible,
  haveChromium,
  Layout,
  submitForm,
  type Tab,
} from './pages.ts'
import { startDemoServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

/** What the page shows for a figure: one decimal place, thousands separated. */
const shown = (n: number | null) =>
  n === null ? null : (Math.round(n * 10) / 10).toLocaleString('en-GB', { maximumFractionDigits: 1 })

/** The JSON API's answer, as a browser reads it: instants are ISO strings. */
type ApiInsights = Omit<InsightsReport, 'beds'> & {
  beds: (Omit<NonNullable<InsightsReport['beds']>, 'at'> & { at: string }) | null
}

class InsightsPage extends Layout {
  readonly response: Locator
  readonly sourcingByLocality: Locator
  readonly hardToServe: Locator
  readonly bedsByLocality: Locator
  readonly bedsByBedType: Locator
  readonly packageQuality: Locator
  readonly hoursPerWeek: Locator
  readonly charts: Locator
  readonly hardToServeDays: Locator
  readonly submit: Locator
  readonly errorSummary: Locator
  readonly csvLink: Locator
  readonly reportLink: Locator

  constructor(page: Page) {
    super(page)
    this.response = page.getByRole('table', { name: 'Requests published in the period' })
    this.sourcingByLocality = page.getByRole('table', { name: 'Days to source by locality' })
    this.hardToServe = page.getByRole('table', { name: /^Requests unsourced \d+ days after publishing$/ })
    this.bedsByLocality = page.getByRole('table', { name: 'Care home beds available by locality' })
    this.bedsByBedType = page.getByRole('table', {
      name: 'Percentage of beds available by bed type and locality',
    })
    this.packageQuality = page.getByRole('table', { name: /^Packages active at the end of / })
    this.hoursPerWeek = page.locator('#hours-per-week')
    this.charts = page.getByRole('main').locator('figure.app-chart')
    this.hardToServeDays = page.getByLabel('Days before a request counts as hard to serve', { exact: true })
    this.submit = page.getByRole('button', { name: 'Show the figures' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
    this.csvLink = page.getByRole('link', { name: 'Download these figures (CSV)' })
    this.reportLink = page.getByRole('link', { name: 'Download the committee report' })
  }

  /** The cells of the row a table heads with `label`, as shown. */
  async row(table: Locator, label: string): Promise<string[]> {
    const row = table
      .locator('tbody tr')
      .filter({ has: this.page.getByRole('rowheader', { name: label, exact: true }) })
    return (await row.getByRole('cell').allTextContents()).map((t) => t.trim())
  }

  async download(link: Locator): Promise<string> {
    const [download] = (await Promise.all([this.page.waitForEvent('download'), link.click()])) as [
      Download,
      unknown,
    ]
    return readFile((await download.path()) as string, 'utf8')
  }
}

/**
 * The app with the demo council and two weeks of its brokerage, simulated through the services and
 * ending a fortnight ago (so requests have had their 14 days): awards, unsourced requests and
 * packages to report on. The simulated capacity returns are stale by now, so two homes in three
 * report this morning.
 */
const startInsightsServer = () =>
  startDemoServer({
    startDaysAgo: 28,
    weeks: 2,
    seed: 7,
    volume: 0.25,
    snapshots: true,
    prepare: async (db) => {
      const council = await getCouncilByCode(db, 'DEMO')
      const homes = await db
        .select()
        .from(locations)
        .where(
          and(
            eq(locations.councilId, council.id),
            eq(locations.active, true),
            gt(locations.registeredBeds, 0),
          ),
        )
        .orderBy(asc(locations.id))
      const reportedAt = new Date(Date.now() - 3_600_000)
      await db.insert(bedVacancyReports).values(
        homes
          .filter((_, i) => i % 3 !== 0)
          .flatMap((home, i) =>
            bedTypesFor(home)
              .filter((type) => type !== 'respite')
              .map((bedType) => ({
                councilId: council.id,
                locationId: home.id,
                bedType,
                vacancies: i % 4,
                reportedAt,
                reportedBy: 'e2e',
                source: 'web',
              })),
          ),
      )
    },
  })

async function api(tab: Tab, query = ''): Promise<ApiInsights> {
  const response = await tab.context.request.get(`/api/v1/insights${query ? `?${query}` : ''}`)
  expect(response.status()).toBe(200)
  return (await response.json()) as ApiInsights
}

/** Every chart on the page is drawn, named, and followed by the table its caption links to. */
async function expectChartsWithTables(tab: Tab, charts: Locator, atLeast: number): Promise<void> {
  const count = await charts.count()
  expect(count).toBeGreaterThanOrEqual(atLeast)
  for (let i = 0; i < count; i++) {
    const chart = charts.nth(i)
    expect(await chart.getByRole('img', { name: /\S/ }).count(), `chart ${i} is drawn and named`).toBe(1)
    const href = await chart.locator('figcaption a').getAttribute('href')
    expect(href).toMatch(/^#.+-table$/)
    const table = tab.page.locator(href as string)
    expect(await table.evaluate((e) => e.tagName)).toBe('TABLE')
    expect(await table.locator('tbody tr').count(), `${href} has rows`).toBeGreaterThan(0)
  }
}

describe.skipIf(skip)(
  `the market insights in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startInsightsServer())

    it('shows a commissioner the figures the API gives, each chart with its table', async () => {
      const tab = await session.signedIn(session.server.emailOf('commissioner'), PASSWORD)
      const insights = new InsightsPage(tab.page)
      expect(await tab.visit('/insights')).toBe(200)
      expect(await insights.heading.textContent()).toBe('Market insights')
      const figures = await api(tab)

      // The simulated fortnight gives every new section something to show.
      expect(figures.response.published).toBeGreaterThan(0)
      expect(figures.hardToServe.total.requests).toBeGreaterThan(0)
      expect(figures.timeToSource.byLocality.length).toBeGreaterThan(1)
      expect(figures.beds?.total.reportingHomes).toBeGreaterThan(0)
      expect(figures.quality.packages.active).toBeGreaterThan(0)

      expect(await insights.row(insights.response, 'Requests published')).toEqual([
        figures.response.published.toLocaleString('en-GB'),
      ])
      expect(await insights.row(insights.response, 'Response rate')).toEqual([
        `${shown(figures.response.responseRate)}%`,
      ])
      expect(await insights.hoursPerWeek.textContent()).toBe(shown(figures.hours?.hoursPerWeek ?? null))

      for (const line of figures.timeToSource.byLocality)
        expect(await insights.row(insights.sourcingByLocality, line.label)).toEqual([
          line.awarded.toLocaleString('en-GB'),
          shown(line.medianDays),
          shown(line.p90Days),
        ])

      for (const line of [...figures.hardToServe.byArea, figures.hardToServe.total])
        expect(await insights.row(insights.hardToServe, line.label)).toEqual([
          line.requests.toLocaleString('en-GB'),
          line.unsourced.toLocaleString('en-GB'),
          line.percentUnsourced === null ? 'No requests' : `${shown(line.percentUnsourced)}%`,
        ])

      const beds = figures.beds as NonNullable<ApiInsights['beds']>
      for (const line of [...beds.localities, beds.total]) {
        const cells = await insights.row(insights.bedsByLocality, line.locality)
        expect(cells[0]).toBe(`${line.reportingHomes} of ${line.homes}`)
        expect(cells[3]).toBe(
          line.percentAvailable === null ? 'No reports' : `${shown(line.percentAvailable)}%`,
        )
      }
      const nursing = await insights.row(insights.bedsByBedType, 'Nursing')
      expect(nursing).toEqual(
        [...beds.localities, beds.total].map((l) => {
          const percent = l.byBedType.find((b) => b.bedType === 'nursing')?.percentAvailable ?? null
          return percent === null ? 'No reports' : `${shown(percent)}%`
        }),
      )

      expect(await insights.row(insights.packageQuality, 'Active packages')).toEqual([
        figures.quality.packages.active.toLocaleString('en-GB'),
      ])
      expect(
        await insights.row(insights.packageQuality, 'Placed with a location rated good or outstanding'),
      ).toEqual([`${shown(figures.quality.packages.percentGoodOrOutstanding)}%`])

      await expectChartsWithTables(tab, insights.charts, 5)
      await expectAccessible(tab)

      // The CSV holds the same figures as the page and the API.
      const [, ...rows] = parse(await insights.download(insights.csvLink)) as string[][]
      const csv = (section: string, breakdown: string, measure: string) =>
        rows.find((r) => r[0]?.startsWith(section) && r[1] === breakdown && r[2] === measure)?.[3]
      expect(csv('Response to requests', '', 'Requests published')).toBe(String(figures.response.published))
      expect(csv('Hard to serve', 'Rural', 'Unsourced')).toBe(
        String(figures.hardToServe.byArea.find((l) => l.area === 'rural')?.unsourced),
      )
      expect(csv('Care home beds available', 'All localities', 'Care homes')).toBe(String(beds.total.homes))

      expect(tab.cspViolations, 'Content-Security-Policy violations').toEqual([])
      expect(tab.scriptErrors, 'uncaught script errors').toEqual([])
    })

    it('narrows the figures to a locality and says what is wrong with a filter', async () => {
      const tab = await session.signedIn(session.server.emailOf('commissioner'), PASSWORD)
      const insights = new InsightsPage(tab.page)
      expect(await tab.visit('/insights')).toBe(200)
      const { localities } = await api(tab)
      const locality = localities[0] as string
      await tab.page.getByLabel('Locality', { exact: true }).selectOption(locality)
      await insights.hardToServeDays.fill('21')
      await submitForm(tab, insights.submit)
      const figures = await api(tab, new URLSearchParams({ locality, hardToServeDays: '21' }).toString())
      expect(figures).toMatchObject({ locality, hardToServeDays: 21 })
      expect(await insights.row(insights.response, 'Requests published')).toEqual([
        figures.response.published.toLocaleString('en-GB'),
      ])
      expect(await insights.hardToServe.getByRole('caption').textContent()).toContain('21 days')
      expect(await insights.row(insights.hardToServe, 'All areas')).toEqual([
        figures.hardToServe.total.requests.toLocaleString('en-GB'),
        figures.hardToServe.total.unsourced.toLocaleString('en-GB'),
        figures.hardToServe.total.percentUnsourced === null
          ? 'No requests'
          : `${shown(figures.hardToServe.total.percentUnsourced)}%`,
      ])
      // One locality's beds: its own line, no total.
      expect(await insights.bedsByLocality.locator('tbody tr').count()).toBe(1)
      await expectChartsWithTables(tab, insights.charts, 1)
      await expectAccessible(tab)

      await insights.hardToServeDays.fill('0')
      await submitForm(tab, insights.submit)
      await insights.errorSummary.waitFor()
      expect(await insights.errorSummary.textContent()).toContain('whole number from 1 to 365')
      await insights.errorSummary.getByRole('link').first().click()
      await expect.poll(() => tab.page.evaluate(() => document.activeElement?.id)).toBe('hardToServeDays')
      expect(await insights.response.count()).toBe(0)
      await expectAccessible(tab)
    })

    it('downloads a committee report that agrees with the API, and shows PCN sufficiency', async () => {
      const tab = await session.signedIn(session.server.emailOf('commissioner'), PASSWORD)
      const insights = new InsightsPage(tab.page)
      expect(await tab.visit('/insights')).toBe(200)
      const figures = await api(tab)
      const html = await insights.download(insights.reportLink)
      const paragraph = (id: string) =>
        html.match(new RegExp(`<p class="numbered" id="${id}">([\\s\\S]*?)</p>`))?.[1] ?? ''
      expect(paragraph('response-paragraph')).toContain(
        `<strong>${shown(figures.response.responseRate)}%</strong>`,
      )
      expect(paragraph('hard-to-serve-paragraph')).toContain(
        `<strong>${shown(figures.hardToServe.total.percentUnsourced)}%</strong>`,
      )
      expect(paragraph('quality-paragraph')).toContain(
        `<strong>${shown(figures.quality.packages.percentGoodOrOutstanding)}%</strong>`,
      )

      // Opened as a file would be, the report is accessible too.
      const report = await tab.context.newPage()
      await report.setContent(html)
      expect.soft(await accessibilityProblems(report), 'axe violations in the committee report').toEqual([])
      expect(await report.locator('figure.app-chart').count()).toBeGreaterThan(1)
      for (const href of await report
        .locator('figure.app-chart figcaption a')
        .evaluateAll((links) => links.map((a) => a.getAttribute('href'))))
        expect(await report.locator(href as string).count(), `${href} is in the report`).toBe(1)
      await report.close()

      expect(await tab.visit('/sufficiency')).toBe(200)
      expect(await insights.heading.textContent()).toBe('PCN sufficiency')
      await expectChartsWithTables(tab, insights.charts, 1)
      await expectAccessible(tab)
      expect(tab.cspViolations, 'Content-Security-Policy violations').toEqual([])
      expect(tab.scriptErrors, 'uncaught script errors').toEqual([])
    })
  },
)
