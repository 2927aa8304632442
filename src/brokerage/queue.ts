// Brokerage's lines on each role's home page: the requests waiting for a broker, a social worker's
// own, and a provider's opportunities, offers and messages. Each request line counts one filter of
// the request list (requests/queues.ts), so its number and the list it links to always agree.
import { lastPageVisit, recordPageVisit } from '../accounts/page-visits.ts'
import type { SessionUser } from '../accounts/service.ts'
import type { Queryable } from '../db/connection.ts'
import { formatDate, formatLondonDate, formatLondonDateTime, londonDate } from '../shared/dates.ts'
import { filterQuery } from '../web/filters.ts'
import type { QueueExample, QueueGroup, QueueLine } from '../web/queue.ts'
import { type AwaitingAward, awardsAwaitingProvider, providerAwardsAwaiting } from './offers/handover.ts'
import { listOpportunities, listOwnOffers } from './offers/service.ts'
import { countUnreadMessages } from './offers/store.ts'
import { REQUEST_STATUS_LABELS } from './requests/presenters.ts'
import { REQUEST_QUEUE_LABELS, type RequestQueue } from './requests/queues.ts'
import { listRequests } from './requests/service.ts'
import { countByStatus, countLiveOffers, type RequestSummary } from './requests/store.ts'
import { calendarDaysBetween, REQUEST_STATUSES, type RequestStatus } from './rules/index.ts'

/** How many of the oldest each line shows. */
const OLDEST_SHOWN = 3

function waited(since: Date, now: Date): string {
  const days = calendarDaysBetween(londonDate(since), londonDate(now))
  return days <= 0 ? 'since today' : `${days} ${days === 1 ? 'day' : 'days'}`
}

function describe(queue: RequestQueue, r: RequestSummary, now: Date, offers: Map<number, number>): string {
  switch (queue) {
    case 'closing-soon':
    case 'no-offers':
      return r.deadlineAt ? `offers close ${formatLondonDateTime(r.deadlineAt)}` : 'closed'
    case 'to-award': {
      const n = offers.get(r.id) ?? 0
      return `${n} ${n === 1 ? 'offer' : 'offers'}`
    }
    default:
      return `waiting ${waited(r.updatedAt, now)}`
  }
}

/** One request queue's line: its count, and its oldest few (with their offer counts when awarding). */
async function requestQueueLine(
  db: Queryable,
  user: SessionUser,
  queue: RequestQueue,
  now: Date,
): Promise<QueueLine> {
  const { requests, total } = await listRequests(db, user, { queue, asOf: now, limit: OLDEST_SHOWN })
  const offers =
    queue === 'to-award'
      ? await countLiveOffers(
          db,
          user.councilId,
          requests.map((r) => r.id),
        )
      : new Map<number, number>()
  return {
    id: queue,
    label: REQUEST_QUEUE_LABELS[queue],
    count: total,
    href: `/requests?${filterQuery({ queue })}`,
    examples: requests.map(
      (r): QueueExample => ({
        text: `${r.personName} (request ${r.id})`,
        href: `/requests/${r.id}`,
        detail: describe(queue, r, now, offers),
      }),
    ),
  }
}

const BROKER_QUEUES: RequestQueue[] = ['to-publish', 'closing-soon', 'to-award', 'no-offers', 'to-republish']

async function brokerQueues(db: Queryable, user: SessionUser, now: Date): Promise<QueueGroup[]> {
  const lines = []
  for (const queue of BROKER_QUEUES) lines.push(await requestQueueLine(db, user, queue, now))
  const awards = await awardsAwaitingProvider(db, user.councilId, now)
  const award = (a: AwaitingAward, detail: string): QueueExample => ({
    text: `${a.personName} (request ${a.requestId}) with ${a.providerName || a.locationName}`,
    href: `/packages/${a.packageId}`,
    detail,
  })
  lines.push(
    {
      id: 'awaiting-confirmation',
      label: 'Awards waiting for the provider’s confirmation',
      count: awards.awaiting.length,
      href: `/packages?${filterQuery({ confirmation: 'awaiting' })}`,
      examples: awards.awaiting
        .slice(0, OLDEST_SHOWN)
        .map((a) =>
          award(
            a,
            a.overdue ? 'confirmation overdue' : a.confirmBy ? `due by ${formatDate(a.confirmBy)}` : '',
          ),
        ),
    },
    {
      id: 'declined',
      label: 'Awards the provider declined, waiting for another award',
      count: awards.declined.length,
      href: `/packages?${filterQuery({ confirmation: 'declined' })}`,
      examples: awards.declined.slice(0, OLDEST_SHOWN).map((a) => award(a, a.declineReason ?? 'declined')),
    },
  )
  const mine = await listRequests(db, user, {
    assignedTo: 'me',
    status: ['submitted', 'published', 'closed', 'unsourced'],
    limit: 0,
  })
  return [
    { heading: 'Requests waiting for the brokerage team', rank: 10, lines },
    {
      heading: 'Assigned to you',
      rank: 15,
      lines: [
        {
          id: 'assigned-to-me',
          label: 'Requests assigned to you still being sourced',
          count: mine.total,
          href: `/requests?${filterQuery({ assignedTo: 'me' })}`,
          examples: [],
        },
      ],
    },
  ]
}

async function socialWorkerQueues(db: Queryable, user: SessionUser, now: Date): Promise<QueueGroup[]> {
  const own = [
    await requestQueueLine(db, user, 'my-drafts', now),
    await requestQueueLine(db, user, 'returned', now),
  ]
  const byStatus = await countByStatus(db, user)
  const statuses = REQUEST_STATUSES.filter((s: RequestStatus) => (byStatus.get(s) ?? 0) > 0)
  return [
    { heading: 'Waiting for you', rank: 10, lines: own },
    {
      heading: 'Your requests by status',
      rank: 20,
      lines: statuses.map((status) => ({
        id: `status-${status}`,
        label: REQUEST_STATUS_LABELS[status],
        count: byStatus.get(status) ?? 0,
        href: `/requests?${filterQuery({ status })}`,
        examples: [],
      })),
    },
  ]
}

/** How soon "closing soon" is for a provider: today and the next two days. */
const CLOSING_SOON_DAYS = 2

async function providerQueues(db: Queryable, user: SessionUser, now: Date): Promise<QueueGroup[]> {
  const scope = { councilId: user.councilId, providerOrganisationId: user.providerOrganisationId as number }
  const [opportunities, offers, lastVisit, unread, toConfirm] = await Promise.all([
    listOpportunities(db, scope, {}, now),
    listOwnOffers(db, scope, now),
    lastPageVisit(db, user, 'opportunities'),
    countUnreadMessages(db, scope.councilId, scope.providerOrganisationId),
    providerAwardsAwaiting(db, scope),
  ])
  const byPublished = [...opportunities].sort(
    (a, b) => (a.publishedAt?.getTime() ?? 0) - (b.publishedAt?.getTime() ?? 0),
  )
  const fresh = byPublished.filter(
    (o) => lastVisit === null || (o.publishedAt !== null && o.publishedAt.getTime() > lastVisit.getTime()),
  )
  const today = londonDate(now)
  const closing = opportunities
    .filter((o) => o.deadlineAt && calendarDaysBetween(today, londonDate(o.deadlineAt)) <= CLOSING_SOON_DAYS)
    .sort((a, b) => (a.deadlineAt?.getTime() ?? 0) - (b.deadlineAt?.getTime() ?? 0))
  const opportunity = (o: (typeof opportunities)[number], detail: string): QueueExample => ({
    text: `${o.serviceLabel} in ${o.outcode} (request ${o.requestId})`,
    href: `/provider/opportunities/${o.requestId}`,
    detail,
  })
  const outcomes = new Map<string, { label: string; count: number }>()
  for (const { offer } of offers) {
    const entry = outcomes.get(offer.status) ?? { label: offer.statusLabel, count: 0 }
    entry.count++
    outcomes.set(offer.status, entry)
  }
  return [
    {
      heading: 'Opportunities',
      rank: 10,
      lines: [
        {
          id: 'new-opportunities',
          label: lastVisit
            ? `New since you last looked (${formatLondonDateTime(lastVisit)})`
            : 'New opportunities (you have not looked at opportunities yet)',
          count: fresh.length,
          href: '/provider/opportunities',
          examples: fresh
            .slice(0, OLDEST_SHOWN)
            .map((o) => opportunity(o, o.publishedAt ? `published ${formatLondonDate(o.publishedAt)}` : '')),
        },
        {
          id: 'closing-soon',
          label: 'Closing to offers within 2 days',
          count: closing.length,
          href: '/provider/opportunities',
          examples: closing
            .slice(0, OLDEST_SHOWN)
            .map((o) => opportunity(o, o.deadlineAt ? `closes ${formatLondonDateTime(o.deadlineAt)}` : '')),
        },
      ],
    },
    {
      heading: 'Your offers and their outcomes',
      rank: 20,
      lines: [...outcomes].map(([status, { label, count }]) => ({
        id: `offers-${status}`,
        label,
        count,
        href: '/provider/opportunities#offers',
        examples: [],
      })),
    },
    {
      heading: 'Awards to confirm',
      rank: 15,
      lines: [
        {
          id: 'awards-to-confirm',
          label: 'Awards waiting for you to confirm or decline',
          count: toConfirm.length,
          href: '/provider/packages',
          examples: toConfirm.slice(0, OLDEST_SHOWN).map((a) => ({
            text: `Package ${a.packageId} (request ${a.requestId})`,
            href: `/provider/packages/${a.packageId}`,
            detail: a.confirmBy ? `by ${formatDate(a.confirmBy)}` : '',
          })),
        },
      ],
    },
    {
      heading: 'Messages',
      rank: 30,
      lines: [
        {
          id: 'unread-messages',
          label: 'Unread messages',
          count: unread,
          href: '/provider/messages',
          examples: [],
        },
      ],
    },
  ]
}

/** Brokerage's queues for the user's role; none for a role brokerage does not wait on. */
export async function brokerageQueue(
  db: Queryable,
  user: SessionUser,
  now: Date = new Date(),
): Promise<QueueGroup[]> {
  if (user.role === 'broker') return brokerQueues(db, user, now)
  if (user.role === 'social_worker') return socialWorkerQueues(db, user, now)
  if (user.role === 'provider_user' && user.providerOrganisationId) return providerQueues(db, user, now)
  return []
}

/** The provider user has seen the opportunities now: the home page counts new ones from here. */
export async function recordOpportunitiesVisit(db: Queryable, user: SessionUser, at?: Date): Promise<void> {
  await recordPageVisit(db, user, 'opportunities', at)
}
