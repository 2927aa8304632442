// The one meaning of "hours a week" for home care. The hours a council commissions, pays for and
// counts on the Interim Care List are care-worker time: a 30-minute visit that needs two carers is
// an hour. The person's visits take less time than that, so wherever the two differ both are shown.

import { listOf, plural } from './format.ts'

export interface VisitTime {
  days: readonly string[]
  durationMinutes: number
  carers: number
}

export interface WeeklyHours {
  /** Minutes a week the person is visited: each visit's length on each of its days. */
  visitMinutes: number
  /** Minutes a week of care-worker time: the visit minutes times the carers each visit needs. */
  careWorkerMinutes: number
  /** The visits (of the pattern) needing more than one carer, and how many carers they need. */
  sharedVisits: number
  sharedCarers: number[]
}

/** How often a visit happens in a week: once on each of its days (a day named twice is once). */
function timesAWeek(visit: Pick<VisitTime, 'days'>): number {
  return new Set(visit.days).size
}

/** Both measures of a visit pattern's week; every page, file and figure takes its hours from here. */
export function weeklyHours(visits: readonly VisitTime[]): WeeklyHours {
  let visitMinutes = 0
  let careWorkerMinutes = 0
  const shared = visits.filter((v) => v.carers > 1)
  for (const visit of visits) {
    const minutes = timesAWeek(visit) * visit.durationMinutes
    visitMinutes += minutes
    careWorkerMinutes += minutes * visit.carers
  }
  return {
    visitMinutes,
    careWorkerMinutes,
    sharedVisits: shared.length,
    sharedCarers: [...new Set(shared.map((v) => v.carers))].sort((a, b) => a - b),
  }
}

/** Care-worker minutes a week: the hours a council commissions and counts. */
export function careWorkerMinutesPerWeek(visits: readonly VisitTime[]): number {
  return weeklyHours(visits).careWorkerMinutes
}

/** "8 h 45 min", "14 h", "45 min". */
export function durationText(minutes: number): string {
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  if (hours === 0) return `${rest} min`
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`
}

/**
 * A week of home care in words: "14 h of care worker time" when every visit needs one carer, else
 * "8 h 45 min of visits, 14 h of care worker time (2 carers on 2 visits)".
 */
export function weeklyHoursText(hours: WeeklyHours): string {
  const worker = `${durationText(hours.careWorkerMinutes)} of care worker time`
  if (hours.visitMinutes === hours.careWorkerMinutes) return worker
  const carers = listOf(hours.sharedCarers.map(String)).replace(/ and /, ' or ')
  return `${durationText(hours.visitMinutes)} of visits, ${worker} (${carers} carers on ${plural(hours.sharedVisits, 'visit')})`
}

/** Supported living's hours of support a week in words: "37.5 hours", "1 hour". */
export function supportHoursText(minutes: number): string {
  const hours = Math.round((minutes / 60) * 100) / 100
  return `${hours.toLocaleString('en-GB')} ${hours === 1 ? 'hour' : 'hours'}`
}
