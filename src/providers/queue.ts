// The register's lines on each role's home page: a provider's own capacity report, and for
// commissioners the restrictions due for review and how many capacity reports are out of date.
import type { SessionUser } from '../accounts/service.ts'
import type { Queryable } from '../db/connection.ts'
import { formatDate, formatLondonDate, londonDate } from '../shared/dates.ts'
import type { QueueGroup } from '../web/queue.ts'
import { STALE_AFTER_DAYS } from './capacity/rules.ts'
import { capacityFreshness, type LocationFreshness } from './capacity/service.ts'
import { type RegisterRestriction, restrictionRegister } from './quality/service.ts'

/** A restriction ending within this many days is due for review (keep, extend or lift). */
const REVIEW_BEFORE_END_DAYS = 14
/** A restriction with no end date is due for review once it has been in force this long. */
const REVIEW_OPEN_ENDED_AFTER_DAYS = 90

/** The calendar date `days` after (or before) a date. */
function daysAfter(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`)
  at.setUTCDate(at.getUTCDate() + days)
  return at.toISOString().slice(0, 10)
}

/** Whether a restriction in force on `today` is due for review: ending soon, or open-ended for long. */
export function dueForReview(
  restriction: Pick<RegisterRestriction, 'startsOn' | 'endsOn'>,
  today: string,
): boolean {
  if (restriction.endsOn !== null) return restriction.endsOn <= daysAfter(today, REVIEW_BEFORE_END_DAYS)
  return restriction.startsOn <= daysAfter(today, -REVIEW_OPEN_ENDED_AFTER_DAYS)
}

const isOutOfDate = (l: LocationFreshness) => l.freshness !== 'current'

async function providerQueue(db: Queryable, user: SessionUser, now: Date): Promise<QueueGroup[]> {
  const locations = await capacityFreshness(db, user.councilId, {
    providerOrganisationId: user.providerOrganisationId as number,
    now,
  })
  if (locations.length === 0) return []
  const stale = locations
    .filter(isOutOfDate)
    .sort((a, b) => (a.lastReportedAt?.getTime() ?? 0) - (b.lastReportedAt?.getTime() ?? 0))
  return [
    {
      heading: 'Your capacity report',
      rank: 40,
      lines: [
        {
          id: 'capacity-stale',
          label:
            stale.length > 0
              ? `Locations whose capacity report is out of date (older than ${STALE_AFTER_DAYS} days, or never made)`
              : `Your capacity report is up to date (every location reported in the last ${STALE_AFTER_DAYS} days)`,
          count: stale.length,
          href: '/provider/capacity',
          examples: stale.slice(0, 3).map((l) => ({
            text: l.name,
            href: '/provider/capacity',
            detail: l.lastReportedAt
              ? `last reported ${formatLondonDate(l.lastReportedAt)}`
              : 'never reported',
          })),
        },
      ],
    },
  ]
}

async function commissionerQueue(db: Queryable, user: SessionUser, now: Date): Promise<QueueGroup[]> {
  const today = londonDate(now)
  const [{ restrictions }, locations] = await Promise.all([
    restrictionRegister(db, user.councilId, today),
    capacityFreshness(db, user.councilId, { now }),
  ])
  const due = restrictions
    .filter((r) => dueForReview(r, today))
    .sort((a, b) => (a.endsOn ?? a.startsOn).localeCompare(b.endsOn ?? b.startsOn))
  const stale = locations.filter(isOutOfDate).length
  const percent = locations.length > 0 ? Math.round((stale / locations.length) * 100) : 0
  return [
    {
      heading: 'Providers',
      rank: 10,
      lines: [
        {
          id: 'restrictions-due',
          label: `Restrictions due for review (ending within ${REVIEW_BEFORE_END_DAYS} days, or open-ended for ${REVIEW_OPEN_ENDED_AFTER_DAYS} days or more)`,
          count: due.length,
          href: '/restrictions',
          examples: due.slice(0, 3).map((r) => ({
            text: `${r.locationName}: ${r.description}`,
            href: `/locations/${r.locationId}`,
            detail: r.endsOn ? `ends ${formatDate(r.endsOn)}` : `in force since ${formatDate(r.startsOn)}`,
          })),
        },
        {
          id: 'capacity-stale-share',
          label: `Capacity reports out of date (older than ${STALE_AFTER_DAYS} days, or never made)`,
          count: stale,
          countText: `${percent}% (${stale} of ${locations.length} locations)`,
          href: '/capacity',
          examples: [],
        },
      ],
    },
  ]
}

/** The register's queues for the user's role. */
export async function providersQueue(
  db: Queryable,
  user: SessionUser,
  now: Date = new Date(),
): Promise<QueueGroup[]> {
  if (user.role === 'provider_user' && user.providerOrganisationId) return providerQueue(db, user, now)
  if (user.role === 'commissioner') return commissionerQueue(db, user, now)
  return []
}
