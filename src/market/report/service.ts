// The committee report on the social care market: the figures of the insights, capacity and Interim
// Care List services for one period, gathered for one document. Nothing here computes a figure anew.
import { z } from 'zod'
import type { Queryable } from '../../db/connection.ts'
import { parseInput } from '../../errors.ts'
import { type SavedScenarioModels, savedScenarioModels } from '../../fees/uplifts/service.ts'
import { type CapacitySummary, capacitySummary } from '../../providers/capacity/service.ts'
import { listMarketEvents, type MarketEventView } from '../events/service.ts'
import { endOfLondonDay } from '../icl/rules.ts'
import { type IclReport, iclReport } from '../icl/service.ts'
import { percentChange } from '../insights/rules.ts'
import { type InsightsReport, insightsReport } from '../insights/service.ts'

/** The cost of care for a financial year, as the fees domain publishes it (suppressed where few returns). */
interface CostOfCareSection {
  yearLabel: string
  minReturnsPublished: number
  sectors: {
    label: string
    kind: 'care_home' | 'home_care'
    returns: number | null
    suppressed: boolean
    total: { lowerQuartilePence: number; medianPence: number; upperQuartilePence: number } | null
    paid: { averagePence: number | null }
    gap: { perUnitPence: number; annualPence: number } | null
  }[]
}

/** What the report reads of other domains, given when the services are composed. */
export interface MarketReportSources {
  /** The cost of care for the financial year starting 1 April `year`, fees paid as on `today`. */
  costOfCare?: (councilId: number, year: number, today: string) => Promise<CostOfCareSection>
}

const marketReportSchema = z.object({
  from: z.string().trim().optional(),
  to: z.string().trim().optional(),
  feesYear: z.coerce
    .number({ error: 'The fees year must be a year like 2027' })
    .int('The fees year must be a year like 2027')
    .min(2000, 'The fees year must be from 2000 to 2100')
    .max(2100, 'The fees year must be from 2000 to 2100')
    .optional(),
})

/**
 * The financial year whose fees the report shows: the one starting on the 1 April on or after the
 * period's last day, the year a committee is deciding uplifts for, unless the report names one.
 */
export function feesYearOf(to: string): number {
  const year = Number(to.slice(0, 4))
  return to.slice(5) <= '04-01' ? year : year + 1
}

export interface MarketReport {
  council: { code: string; name: string }
  from: string
  to: string
  /** The instant the period's figures stand at: the end of its last day, or now if that is later. */
  at: Date
  generatedAt: Date
  insights: InsightsReport
  /** Home care hours at the first and last trend dates of the period, and the change between them. */
  hoursChange: {
    fromDate: string
    fromHours: number
    toDate: string
    toHours: number
    percent: number | null
  } | null
  capacity: CapacitySummary
  icl: IclReport
  /** The market events that happened in the period, newest first, withdrawn ones left out; their totals are insights.events. */
  marketEvents: MarketEventView[]
  /** The financial year's saved uplift scenarios costed against the live book, and the chosen one. */
  fees: SavedScenarioModels
  /** The cost of care in the financial year the period ends in; null when the report is given no source. */
  costOfCare: CostOfCareSection | null
}

/**
 * The whole council's figures for a period (by default the insights' six months to today). The
 * period is checked by the insights service, so a bad one fails as it does on the dashboard.
 */
export async function marketReport(
  db: Queryable,
  council: { id: number; code: string; name: string },
  input: unknown,
  now = new Date(),
  sources: MarketReportSources = {},
): Promise<MarketReport> {
  const terms = parseInput(marketReportSchema, input)
  const insights = await insightsReport(db, council.id, { from: terms.from, to: terms.to }, now)
  const { from, to } = insights
  const at = new Date(Math.min(endOfLondonDay(to).getTime(), now.getTime()))
  // The financial year the period ends in, by the year it starts.
  const year = to.slice(5) >= '04-01' ? Number(to.slice(0, 4)) : Number(to.slice(0, 4)) - 1
  const [capacity, icl, events, fees, costOfCare] = await Promise.all([
    capacitySummary(db, council.id, at),
    iclReport(db, council.id, { from, to }, now),
    listMarketEvents(db, council.id, { from, to }, now),
    savedScenarioModels(db, council.id, terms.feesYear ?? feesYearOf(to)),
    sources.costOfCare ? sources.costOfCare(council.id, year, to) : null,
  ])
  const trend = insights.hours?.trend ?? []
  const first = trend[0]
  const last = trend.at(-1)
  return {
    council: { code: council.code, name: council.name },
    from,
    to,
    at,
    generatedAt: now,
    insights,
    hoursChange:
      first && last
        ? {
            fromDate: first.date,
            fromHours: first.hoursPerWeek,
            toDate: last.date,
            toHours: last.hoursPerWeek,
            percent: percentChange(first.hoursPerWeek, last.hoursPerWeek),
          }
        : null,
    capacity,
    icl,
    marketEvents: events.events.filter((e) => e.withdrawnAt === null),
    fees,
    costOfCare,
  }
}
