// The dashboard's figures for the chosen filters as one CSV: a row per figure, so a spreadsheet can
// filter and pivot it, with the filters themselves in the first rows.
import { PRICE_UNIT_LABELS, REQUEST_SERVICE_TYPE_LABELS } from '../../brokerage/rules/index.ts'
import { csvText } from '../../web/csv.ts'
import type { InsightsReport } from './service.ts'

type Value = string | number | null
type Row = [section: string, breakdown: string, measure: string, value: Value]

/** Two decimal places at most; empty when there is no figure. */
const value = (n: number | null): Value => (n === null ? null : Math.round(n * 100) / 100)

function insightsCsvRows(report: InsightsReport): Row[] {
  const rows: Row[] = []
  const add = (section: string, breakdown: string, measure: string, v: Value) =>
    rows.push([section, breakdown, measure, typeof v === 'number' ? value(v) : v])

  const filters = 'Filters'
  add(filters, '', 'From', report.from)
  add(filters, '', 'To', report.to)
  add(
    filters,
    '',
    'Service type',
    report.serviceType ? REQUEST_SERVICE_TYPE_LABELS[report.serviceType] : 'All service types',
  )
  add(filters, '', 'Locality', report.locality ?? 'All localities')
  add(filters, '', 'Days before a request counts as hard to serve', report.hardToServeDays)

  const { response } = report
  add('Response to requests', '', 'Requests published', response.published)
  add('Response to requests', '', 'Requests with at least one offer', response.withOffers)
  add('Response to requests', '', 'Offers received', response.offers)
  add('Response to requests', '', 'Response rate (%)', response.responseRate)
  add('Response to requests', '', 'Mean offers per request', response.meanOffersPerRequest)

  const sourcing = (
    section: string,
    line: { label: string; awarded: number; medianDays: number | null; p90Days: number | null },
  ) => {
    add(section, line.label, 'Requests awarded', line.awarded)
    add(section, line.label, 'Median days', line.medianDays)
    add(section, line.label, '90th percentile days', line.p90Days)
  }
  for (const line of [...report.timeToSource.byServiceType, report.timeToSource.overall])
    sourcing('Time to source by service type', line)
  for (const line of report.timeToSource.byLocality) sourcing('Time to source by locality', line)

  const hard = report.hardToServe
  const hardSection = `Hard to serve: unsourced ${hard.days} days after publishing`
  add(hardSection, 'All areas', 'Requests published', hard.published)
  add(hardSection, 'All areas', `Published less than ${hard.days} days ago`, hard.tooRecent)
  add(hardSection, 'All areas', `Cancelled within ${hard.days} days without an award`, hard.cancelled)
  for (const line of [...hard.byArea, hard.total]) {
    add(hardSection, line.label, 'Requests counted', line.requests)
    add(hardSection, line.label, 'Unsourced', line.unsourced)
    add(hardSection, line.label, 'Unsourced (%)', line.percentUnsourced)
  }

  const { commissioned } = report
  const care = `Care commissioned on ${commissioned.at}`
  for (const [line, figures] of [
    ['All packages', commissioned],
    ['Brokered through Caremarket', commissioned.brokered],
  ] as const) {
    add(care, line, 'Active packages', figures.packages)
    add(care, line, 'People', figures.people)
    add(care, line, 'Weekly cost (£)', figures.weeklyCostPence / 100)
  }

  if (report.hours) {
    for (const point of report.hours.trend) {
      add('Home care hours commissioned', point.date, 'Hours a week', point.hoursPerWeek)
      add('Home care hours commissioned', point.date, 'Change on the month before (%)', point.change)
    }
    add(
      'Home care hours commissioned',
      report.hours.at,
      'Of which brokered through Caremarket',
      report.hours.brokeredHoursPerWeek,
    )
  }

  if (report.beds) {
    const { beds } = report
    const at = beds.at.toISOString()
    const lines = report.locality ? beds.localities : [...beds.localities, beds.total]
    for (const line of lines) {
      const section = `Care home beds available at ${at}`
      add(section, line.locality, 'Care homes', line.homes)
      add(
        section,
        line.locality,
        `Homes reporting in the last ${beds.staleAfterDays} days`,
        line.reportingHomes,
      )
      add(section, line.locality, 'Homes reporting (%)', line.reportingPercent)
      add(
        section,
        line.locality,
        'Registered beds of the reporting homes',
        line.registeredBedsOfReportingHomes,
      )
      add(section, line.locality, 'Vacant beds, respite apart', line.vacancies)
      add(section, line.locality, 'Beds available (%)', line.percentAvailable)
      for (const type of beds.bedTypes) {
        const figures = line.byBedType.find((b) => b.bedType === type.bedType)
        add(section, `${line.locality}: ${type.label}`, 'Vacant beds', figures?.vacancies ?? 0)
        add(
          section,
          `${line.locality}: ${type.label}`,
          'Beds available (%)',
          figures?.percentAvailable ?? null,
        )
      }
    }
  }

  const { prices } = report
  add('Accepted prices', '', 'Awards', prices.awarded)
  add('Accepted prices', '', 'Awards with a usual price', prices.withUsualPrice)
  add('Accepted prices', '', 'Awards above the usual price', prices.aboveUsualPrice)
  add('Accepted prices', '', 'Share above the usual price (%)', prices.percentAbove)
  for (const line of prices.byServiceType)
    add(
      'Accepted prices',
      line.label,
      `Median accepted price (£ ${PRICE_UNIT_LABELS[line.unit]})`,
      line.medianPricePence === null ? null : line.medianPricePence / 100,
    )

  const { quality } = report
  const locations = `Quality of active locations on ${quality.on}`
  add(locations, '', 'Active locations', quality.locations)
  add(locations, '', 'Rated', quality.rated)
  add(locations, '', 'Rated good or outstanding', quality.goodOrOutstanding)
  add(locations, '', 'Rated good or outstanding (%)', quality.percentGoodOrOutstanding)
  for (const line of quality.restrictions) add(locations, line.label, 'Restrictions in force', line.count)
  const placed = `Quality of packages active on ${quality.packages.at}`
  add(placed, '', 'Active packages', quality.packages.active)
  add(placed, '', 'Placed with a rated location', quality.packages.rated)
  add(placed, '', 'Placed with a location rated good or outstanding', quality.packages.goodOrOutstanding)
  add(
    placed,
    '',
    'Placed with a location rated good or outstanding (%)',
    quality.packages.percentGoodOrOutstanding,
  )
  const { events } = report
  const eventsSection = `Market events from ${events.from} to ${events.to}`
  for (const line of [
    ...events.byKind,
    { ...events.failures, label: 'Market failures' },
    { ...events, label: 'All events' },
  ]) {
    add(eventsSection, line.label, 'Events', line.events)
    add(eventsSection, line.label, 'Beds lost', line.bedsLost)
    add(eventsSection, line.label, 'Beds gained', line.bedsGained)
    add(eventsSection, line.label, 'Home care hours a week lost', line.homeCareHoursLost)
    add(eventsSection, line.label, 'Home care hours a week gained', line.homeCareHoursGained)
    add(eventsSection, line.label, 'People affected', line.peopleAffected)
    add(eventsSection, line.label, 'Extra cost known (£)', line.extraCostPence / 100)
    add(eventsSection, line.label, 'Events whose cost is not known yet', line.costNotKnown)
  }
  const { handBacks } = report
  const handBackSection = `Hand-backs given from ${report.from} to ${report.to}`
  add(handBackSection, 'All', 'Hand-backs', handBacks.total)
  add(handBackSection, 'All', 'Given at short notice', handBacks.shortNotice)
  for (const line of handBacks.byProvider)
    add(handBackSection, `Provider: ${line.label}`, 'Hand-backs', line.handBacks)
  for (const line of handBacks.byReason)
    add(handBackSection, `Reason: ${line.label}`, 'Hand-backs', line.handBacks)
  for (const line of handBacks.byMonth)
    add(handBackSection, `Month: ${line.label}`, 'Hand-backs', line.handBacks)
  if (handBacks.homeCare) {
    add(handBackSection, 'Home care', 'Hand-backs of home care packages', handBacks.homeCare.handBacks)
    add(
      handBackSection,
      'Home care',
      'Hours of home care delivered in the period',
      handBacks.homeCare.hoursDelivered,
    )
    add(
      handBackSection,
      'Home care',
      'Hand-backs per 1,000 hours of home care delivered',
      handBacks.homeCare.ratePer1000Hours,
    )
  }
  return rows
}

export function insightsCsv(report: InsightsReport): string {
  return csvText([['section', 'breakdown', 'measure', 'value'], ...insightsCsvRows(report)])
}
