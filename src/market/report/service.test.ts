import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../../test/support/database.ts'
import { getCouncilByCode } from '../../accounts/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { createDemo } from '../../demo/generate.ts'
import { costOfCareSummary } from '../../fees/costs/service.ts'
import { capacitySummary } from '../../providers/capacity/service.ts'
import { simulate } from '../../simulator/simulate.ts'
import { endOfLondonDay, hoursPerWeek } from '../icl/rules.ts'
import { iclReport, takeDueSnapshots } from '../icl/service.ts'
import { insightsReport } from '../insights/service.ts'
import { renderMarketReportHtml } from './render.ts'
import { type MarketReport, marketReport } from './service.ts'

// Two simulated weeks from Monday 2 March 2026, reported on a fortnight later.
const PERIOD = { from: '2026-03-01', to: '2026-03-15' }
const NOW = new Date('2026-04-01T12:00:00Z')
const figure = (n: number) => (Math.round(n * 10) / 10).toLocaleString('en-GB')

let database: DatabaseHandle
let council: { id: number; code: string; name: string }
let report: MarketReport
let html: string

beforeAll(async () => {
  database = await createTestDatabase()
  await createDemo(database.db, { scale: 1, seed: 1, password: 'x', passwordCostLog2: 10 })
  await simulate(database.db, {
    councilCode: 'DEMO',
    weeks: 2,
    seed: 11,
    start: new Date('2026-03-02T10:00:00Z'),
    volume: 0.25,
  })
  await takeDueSnapshots(database.db, new Date('2026-03-16T06:00:00Z'))
  council = await getCouncilByCode(database.db, 'DEMO')
  report = await marketReport(database.db, council, PERIOD, NOW, {
    costOfCare: (councilId, year, today) => costOfCareSummary(database.db, councilId, year, today),
  })
  html = await renderMarketReportHtml(report)
})

afterAll(async () => database?.close())

describe('the committee report', () => {
  it('carries the cost of care of the financial year the period ends in, as the fees domain publishes it', async () => {
    expect(report.costOfCare).toEqual(await costOfCareSummary(database.db, council.id, 2025, PERIOD.to))
    expect(report.costOfCare?.sectors.every((s) => !s.suppressed)).toBe(true)
    expect(html).toContain('Cost of care by sector, 2025/26')
    const median = report.costOfCare?.sectors[0]?.total?.medianPence as number
    expect(html).toContain(`£${(median / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 })}`)
  })

  it('holds the figures the insights, capacity and Interim Care List services give for the period', async () => {
    expect(report.insights).toEqual(await insightsReport(database.db, council.id, PERIOD, NOW))
    expect(report.at).toEqual(endOfLondonDay(PERIOD.to))
    expect(report.capacity).toEqual(await capacitySummary(database.db, council.id, endOfLondonDay(PERIOD.to)))
    expect(report.icl).toEqual(await iclReport(database.db, council.id, PERIOD, NOW))
    // The simulated history gives every section something to say.
    expect(report.insights.response.published).toBeGreaterThan(0)
    expect(report.capacity.beds.total.percentAvailable).not.toBeNull()
    expect(report.insights.hardToServe.total.requests).toBeGreaterThan(0)
    expect(report.insights.quality.packages.rated).toBeGreaterThan(0)
    expect(report.icl.trend.length).toBeGreaterThan(1)
    const trend = report.insights.hours?.trend ?? []
    expect(report.hoursChange).toMatchObject({
      fromHours: trend[0]?.hoursPerWeek,
      toHours: trend.at(-1)?.hoursPerWeek,
    })
  })

  it('puts those figures into its numbered paragraphs, with a chart and a table for each trend', () => {
    const { insights, capacity, icl } = report
    const paragraph = (id: string) =>
      html.match(new RegExp(`<p class="numbered" id="${id}">([\\s\\S]*?)</p>`))?.[1]
    expect(paragraph('hours-paragraph')).toContain(
      `<strong>${figure(insights.hours?.hoursPerWeek ?? -1)}</strong> hours`,
    )
    expect(paragraph('beds-paragraph')).toContain(
      `<strong>${figure(capacity.beds.total.percentAvailable ?? -1)}%</strong> of care home beds`,
    )
    expect(paragraph('response-paragraph')).toContain(
      `<strong>${figure(insights.response.responseRate ?? -1)}%</strong>`,
    )
    expect(paragraph('response-paragraph')).toContain(
      `${insights.response.published.toLocaleString('en-GB')} requests`,
    )
    expect(paragraph('icl-paragraph')).toContain(
      `<strong>${icl.people.toLocaleString('en-GB')}</strong> people`,
    )
    expect(paragraph('icl-paragraph')).toContain(
      `${figure(hoursPerWeek(icl.unfilledMinutesPerWeek))} unfilled hours`,
    )
    expect(paragraph('icl-trend-paragraph')).toContain(
      `from ${icl.trend[0]?.people.toLocaleString('en-GB')} people`,
    )
    expect(paragraph('quality-paragraph')).toContain(
      `Of the ${insights.quality.locations.toLocaleString('en-GB')} active care locations`,
    )
    expect(paragraph('quality-paragraph')).toContain(
      `<strong>${figure(insights.quality.packages.percentGoodOrOutstanding ?? -1)}%</strong> (${insights.quality.packages.goodOrOutstanding.toLocaleString('en-GB')}) are placed with one rated good or outstanding`,
    )
    const hard = insights.hardToServe
    const rural = hard.byArea.find((l) => l.area === 'rural')
    const urban = hard.byArea.find((l) => l.area === 'urban')
    expect(paragraph('hard-to-serve-paragraph')).toContain(
      `<strong>${figure(hard.total.percentUnsourced ?? -1)}%</strong> of the requests published in the period (${hard.total.unsourced} of ${hard.total.requests}) were still without an award 14 days after publishing`,
    )
    expect(paragraph('hard-to-serve-paragraph')).toContain(
      `${figure(rural?.percentUnsourced ?? -1)}% in rural areas (${rural?.unsourced} of ${rural?.requests})`,
    )
    expect(paragraph('hard-to-serve-paragraph')).toContain(
      `in urban areas (${urban?.unsourced} of ${urban?.requests})`,
    )
    // The beds by bed type and locality: a row per bed type, a column per locality and the total.
    const byType = html.match(/<table[^>]*id="report-beds-by-type"[\s\S]*?<\/table>/)?.[0] ?? ''
    expect(byType.match(/<tr class="govuk-table__row">/g)?.length).toBe(1 + 8)
    const nursingRow =
      byType.match(/<tr class="govuk-table__row">\s*<th[^>]*>\s*Nursing\s*<\/th>([\s\S]*?)<\/tr>/)?.[1] ?? ''
    const cells = [...nursingRow.matchAll(/<td[^>]*>\s*([^<]*?)\s*<\/td>/g)].map((m) => m[1])
    expect(cells).toEqual(
      [...capacity.beds.localities, capacity.beds.total].map((l) => {
        const percent = l.byBedType.find((b) => b.bedType === 'nursing')?.percentAvailable ?? null
        return percent === null ? '–' : `${figure(percent)}%`
      }),
    )
    for (const id of ['report-hours', 'report-beds', 'report-icl']) {
      expect(html).toContain(`<svg id="${id}"`)
      expect(html).toContain(`id="${id}-table"`)
    }
  })

  it('is one standalone document: its own CSS, no scripts and nothing to fetch', () => {
    expect(html.startsWith('<!DOCTYPE html>') || html.trimStart().startsWith('<!DOCTYPE html>')).toBe(true)
    expect(html).toContain('<style>')
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(http/i)
    expect(html).toContain('Social care market update')
  })
})
