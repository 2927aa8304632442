// The market's lines on each role's home page: the Interim Care List's longest waits for brokers,
// a social worker's own people on it, and for commissioners the market events recorded since they
// last looked and the requests hard to serve.
import { lastPageVisit, recordPageVisit } from '../accounts/page-visits.ts'
import type { SessionUser } from '../accounts/service.ts'
import { requestsInCaseload } from '../brokerage/requests/service.ts'
import type { Queryable } from '../db/connection.ts'
import { formatDate, formatLondonDateTime } from '../shared/dates.ts'
import type { QueueExample, QueueGroup } from '../web/queue.ts'
import { marketEventsRecordedSince } from './events/service.ts'
import type { IclEntry } from './icl/rules.ts'
import { iclAt } from './icl/service.ts'
import { hardToServeSummary } from './insights/service.ts'

const LONGEST_SHOWN = 3

function hoursText(minutes: number): string {
  const hours = Math.round((minutes / 60) * 10) / 10
  return `${hours} ${hours === 1 ? 'hour' : 'hours'} a week unfilled`
}

function waitExample(entry: IclEntry): QueueExample {
  return {
    text: `${entry.personName} (request ${entry.requestId})`,
    href: `/requests/${entry.requestId}`,
    detail: `waiting ${entry.daysWaiting} ${entry.daysWaiting === 1 ? 'day' : 'days'}, ${hoursText(entry.unfilledMinutesPerWeek)}`,
  }
}

async function brokerQueue(db: Queryable, user: SessionUser, now: Date): Promise<QueueGroup[]> {
  const list = await iclAt(db, user.councilId, now)
  return [
    {
      heading: 'Interim Care List',
      rank: 30,
      lines: [
        {
          id: 'icl-longest-waits',
          label: 'People waiting, longest first',
          count: list.entries.length,
          href: '/icl',
          examples: list.entries.slice(0, LONGEST_SHOWN).map(waitExample),
        },
      ],
    },
  ]
}

async function socialWorkerQueue(db: Queryable, user: SessionUser, now: Date): Promise<QueueGroup[]> {
  const list = await iclAt(db, user.councilId, now)
  const mine = await requestsInCaseload(
    db,
    user,
    list.entries.map((e) => e.requestId),
  )
  const entries = list.entries.filter((e) => mine.has(e.requestId))
  return [
    {
      heading: 'Your people on the Interim Care List',
      rank: 30,
      lines: [
        {
          id: 'icl-my-people',
          label: 'Waiting for care, longest first',
          count: entries.length,
          // Social workers do not read the whole list; their unsourced requests are the nearest list.
          href: '/requests?status=unsourced',
          examples: entries.slice(0, 5).map(waitExample),
        },
      ],
    },
  ]
}

async function commissionerQueue(db: Queryable, user: SessionUser, now: Date): Promise<QueueGroup[]> {
  const lastVisit = await lastPageVisit(db, user, 'market-events')
  const events = await marketEventsRecordedSince(db, user.councilId, lastVisit)
  const insights = await hardToServeSummary(db, user.councilId, now)
  const hard = insights.hardToServe
  return [
    {
      heading: 'The market',
      rank: 20,
      lines: [
        {
          id: 'new-market-events',
          label: lastVisit
            ? `Market events recorded since you last looked (${formatLondonDateTime(lastVisit)})`
            : 'Market events recorded (you have not looked at market events yet)',
          count: events.length,
          href: '/market-events',
          examples: events.slice(0, LONGEST_SHOWN).map((e) => ({
            text: `${e.kindLabel}: ${e.locationName ?? e.providerName}`,
            href: `/market-events/${e.id}`,
            detail: `on ${formatDate(e.occurredOn)}`,
          })),
        },
        {
          id: 'hard-to-serve',
          label: `Hard to serve: requests still unsourced ${hard.days} days after publishing (${formatDate(insights.from)} to ${formatDate(insights.to)})`,
          count: hard.total.unsourced,
          href: '/insights#hard-to-serve',
          examples: [],
        },
      ],
    },
  ]
}

/** The market's queues for the user's role. */
export async function marketQueue(
  db: Queryable,
  user: SessionUser,
  now: Date = new Date(),
): Promise<QueueGroup[]> {
  if (user.role === 'broker') return brokerQueue(db, user, now)
  if (user.role === 'social_worker') return socialWorkerQueue(db, user, now)
  if (user.role === 'commissioner') return commissionerQueue(db, user, now)
  return []
}

/** The commissioner has seen the market events now: the home page counts new ones from here. */
export async function recordMarketEventsVisit(db: Queryable, user: SessionUser, at?: Date): Promise<void> {
  await recordPageVisit(db, user, 'market-events', at)
}
