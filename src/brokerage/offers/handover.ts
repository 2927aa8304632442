// Handover after award (DOMAIN.md §7): the awarded provider confirms or declines the package within
// the council's window. A decline frees the package's slots and puts the offers the award turned
// down back in play, so the broker can award the next one without republishing.
//
// Confirm and decline lock the request's row first (as an award does) and then the package's, so
// a confirm and a decline of one package run one after the other: the second finds the answer
// given and is refused. Never both.

import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import { z } from 'zod'
import { activeAccounts } from '../../accounts/service.ts'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ConflictError, NotFoundError, parseInput } from '../../errors.ts'
import { locationSummaries } from '../../providers/service.ts'
import { formatDate, londonDate } from '../../shared/dates.ts'
import { brokerageEvents } from '../events.ts'
import { timeOfChange, transitionRequest } from '../requests/service.ts'
import { addCalendarDays, addWorkingDays, type HolidaySet } from '../rules/index.ts'
import { awardedSlots, offers, packages, people, sourcingRequests } from '../schema.ts'
import type { ProviderScope } from './service.ts'
import { loadRequest, notifyOrganisations } from './store.ts'

export const CONFIRMATIONS = ['awaiting', 'confirmed', 'declined'] as const
export type Confirmation = (typeof CONFIRMATIONS)[number]

export const CONFIRMATION_LABELS: Record<Confirmation, string> = {
  awaiting: 'Waiting for the provider to confirm',
  confirmed: 'Confirmed by the provider',
  declined: 'Declined by the provider',
}

/** The last day the awarded provider has to answer: `workingDays` working days after the award's London date. */
export function confirmationDeadline(awardedAt: Date, workingDays: number, holidays: HolidaySet): string {
  return addWorkingDays(londonDate(awardedAt), workingDays, holidays)
}

/** Whether the provider's time to answer has run out (the deadline day is still theirs). */
export function isConfirmationOverdue(
  pkg: { confirmation: string; confirmBy: string | null },
  now: Date,
): boolean {
  return pkg.confirmation === 'awaiting' && pkg.confirmBy !== null && pkg.confirmBy < londonDate(now)
}

export const declineSchema = z.object({
  reason: z
    .string({ error: 'Enter why you cannot take this package' })
    .trim()
    .min(1, 'Enter why you cannot take this package')
    .max(2000, 'The reason must be 2,000 characters or fewer'),
})

const HANDOVER_EMAIL_KIND = 'offer_outcome'

/** The organisation's package, with its request's row locked first (the award's lock order). */
async function lockOwnPackage(tx: Queryable, scope: ProviderScope, packageId: number) {
  const [found] = await tx
    .select({ requestId: packages.requestId })
    .from(packages)
    .where(
      and(
        eq(packages.councilId, scope.councilId),
        eq(packages.providerOrganisationId, scope.providerOrganisationId),
        eq(packages.id, packageId),
      ),
    )
  if (!found) throw new NotFoundError('No such package')
  const loaded = await loadRequest(tx, scope.councilId, found.requestId, { lock: true })
  const [pkg] = await tx.select().from(packages).where(eq(packages.id, packageId)).for('update')
  if (!pkg) throw new NotFoundError('No such package')
  if (loaded.request.status === 'cancelled')
    throw new ConflictError(
      'The council has cancelled this request, so the package cannot be confirmed or declined',
    )
  if (pkg.confirmation !== 'awaiting') {
    const when = pkg.respondedAt ? ` on ${formatDate(londonDate(pkg.respondedAt))}` : ''
    throw new ConflictError(`This package has already been ${pkg.confirmation}${when}`)
  }
  return { pkg, loaded }
}

function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

export interface HandoverResult {
  packageId: number
  requestId: number
  confirmation: Confirmation
  respondedAt: Date
}

/** The awarded provider confirms it will provide the package. */
export async function confirmPackage(
  db: Database,
  scope: ProviderScope,
  actor: Actor,
  packageId: number,
  clock?: Date,
): Promise<HandoverResult> {
  return db.transaction(async (tx) => {
    const { pkg } = await lockOwnPackage(tx, scope, packageId)
    const now = await timeOfChange(tx, { now: clock })
    await tx
      .update(packages)
      .set({ confirmation: 'confirmed', respondedAt: now, respondedBy: actorName(actor) })
      .where(eq(packages.id, pkg.id))
    await recordAudit(tx, actor, {
      councilId: scope.councilId,
      action: 'package.confirmed',
      entityType: 'package',
      entityId: pkg.id,
      details: { requestId: pkg.requestId, confirmBy: pkg.confirmBy },
    })
    await brokerageEvents.emit(
      'packageConfirmed',
      { councilId: scope.councilId, requestId: pkg.requestId, packageId: pkg.id },
      tx,
    )
    return { packageId: pkg.id, requestId: pkg.requestId, confirmation: 'confirmed', respondedAt: now }
  })
}

/**
 * The awarded provider declines the package, with its reason. The package never starts (it ends
 * the day before its start date), its slots are freed, its offer is withdrawn, and the offers the
 * award declined that could now win are open again; the request goes back to closed when nothing
 * else of it is awarded, so the broker awards the next offer from the same shortlist.
 */
export async function declinePackage(
  db: Database,
  scope: ProviderScope,
  actor: Actor,
  packageId: number,
  input: unknown,
  clock?: Date,
): Promise<HandoverResult & { reinstatedOfferIds: number[] }> {
  const { reason } = parseInput(declineSchema, input)
  return db.transaction(async (tx) => {
    const { pkg, loaded } = await lockOwnPackage(tx, scope, packageId)
    const { request } = loaded
    const now = await timeOfChange(tx, { now: clock })
    await tx
      .update(packages)
      .set({
        confirmation: 'declined',
        respondedAt: now,
        respondedBy: actorName(actor),
        declineReason: reason,
        endDate: addCalendarDays(pkg.startDate, -1),
        endReason: `Declined by the provider: ${reason}`,
      })
      .where(eq(packages.id, pkg.id))
    await tx.delete(awardedSlots).where(eq(awardedSlots.packageId, pkg.id))
    await tx
      .update(offers)
      .set({ status: 'withdrawn', version: sql`${offers.version} + 1`, updatedAt: now })
      .where(eq(offers.id, pkg.offerId))

    // The offers this award (or a later one) turned down that have a slot open again. Only one
    // live offer per location: a location with one already keeps that one.
    const filled = new Set(
      (
        await tx
          .select({ slot: awardedSlots.slot })
          .from(awardedSlots)
          .where(eq(awardedSlots.requestId, request.id))
      ).map((r) => r.slot),
    )
    const onRequest = await tx
      .select()
      .from(offers)
      .where(and(eq(offers.councilId, request.councilId), eq(offers.requestId, request.id)))
      .orderBy(asc(offers.id))
    const liveLocations = new Set(onRequest.filter((o) => o.status === 'submitted').map((o) => o.locationId))
    const reinstated = onRequest.filter((o) => {
      if (o.status !== 'declined' || o.updatedAt.getTime() < pkg.createdAt.getTime()) return false
      const hasOpenSlot = o.visitIds.length === 0 ? !filled.has(0) : o.visitIds.some((v) => !filled.has(v))
      if (!hasOpenSlot || liveLocations.has(o.locationId)) return false
      liveLocations.add(o.locationId)
      return true
    })
    if (reinstated.length > 0) {
      await tx
        .update(offers)
        .set({ status: 'submitted', version: sql`${offers.version} + 1`, updatedAt: now })
        .where(
          inArray(
            offers.id,
            reinstated.map((o) => o.id),
          ),
        )
    }

    if (request.status === 'awarded' && filled.size === 0) {
      await transitionRequest(tx, request, 'reopenAward', actor, {
        now,
        reason: `The provider declined package ${pkg.id}: ${reason}`,
        details: { packageId: pkg.id },
      })
    }
    // Freed visits of a request still awarded put their hours back on the Interim Care List: the
    // market listens for packageDeclined (emitted below, in this transaction).
    await recordAudit(tx, actor, {
      councilId: scope.councilId,
      action: 'package.declined',
      entityType: 'package',
      entityId: pkg.id,
      details: { requestId: request.id, reason, reinstatedOfferIds: reinstated.map((o) => o.id) },
    })
    await notifyOrganisations(
      tx,
      request.councilId,
      HANDOVER_EMAIL_KIND,
      reinstated.map((o) => ({
        providerOrganisationId: o.providerOrganisationId,
        subject: `Your offer on request ${request.id} is being considered again`,
        body: `The provider chosen for request ${request.id} could not take it, so your offer ${o.id} is being considered again. The council may award it to you; if you can no longer provide this care, withdraw the offer by contacting the brokerage team.`,
        link: `/provider/opportunities/${request.id}`,
      })),
    )
    await brokerageEvents.emit(
      'packageDeclined',
      { councilId: scope.councilId, requestId: request.id, packageId: pkg.id, reason },
      tx,
    )
    return {
      packageId: pkg.id,
      requestId: request.id,
      confirmation: 'declined',
      respondedAt: now,
      reinstatedOfferIds: reinstated.map((o) => o.id),
    }
  })
}

// ---------------------------------------------------------------------------------------------
// The brokers' queue

export interface AwaitingAward {
  packageId: number
  requestId: number
  personName: string
  locationName: string
  providerName: string
  confirmation: 'awaiting' | 'declined'
  confirmBy: string | null
  overdue: boolean
  declineReason: string | null
  respondedAt: Date | null
  awardedAt: Date
}

/** A provider's awards in one council still waiting for its confirmation, soonest due first. */
export async function providerAwardsAwaiting(
  db: Queryable,
  scope: ProviderScope,
): Promise<{ packageId: number; requestId: number; confirmBy: string | null }[]> {
  return db
    .select({ packageId: packages.id, requestId: packages.requestId, confirmBy: packages.confirmBy })
    .from(packages)
    .where(
      and(
        eq(packages.councilId, scope.councilId),
        eq(packages.providerOrganisationId, scope.providerOrganisationId),
        eq(packages.confirmation, 'awaiting'),
      ),
    )
    .orderBy(asc(packages.confirmBy), asc(packages.id))
}

/**
 * A council's awards waiting for their provider's confirmation (the longest-waiting first) and
 * those the provider declined whose request still waits for another award (oldest first): the
 * brokers' home queue reads this.
 */
export async function awardsAwaitingProvider(
  db: Queryable,
  councilId: number,
  now = new Date(),
): Promise<{ awaiting: AwaitingAward[]; declined: AwaitingAward[] }> {
  const rows = await db
    .select({ pkg: packages, personName: people.name })
    .from(packages)
    .innerJoin(people, eq(people.id, packages.personId))
    .innerJoin(sourcingRequests, eq(sourcingRequests.id, packages.requestId))
    .where(
      and(
        eq(packages.councilId, councilId),
        sql`(${packages.confirmation} = 'awaiting' or (${packages.confirmation} = 'declined' and ${sourcingRequests.status} in ('closed', 'awarded', 'started')
          and not exists (select 1 from ${packages} later where later.request_id = ${packages.requestId} and later.created_at > ${packages.createdAt} and later.confirmation <> 'declined')))`,
      ),
    )
    .orderBy(asc(packages.confirmBy), asc(packages.createdAt), asc(packages.id))
    .limit(500)
  const places = await locationSummaries(
    db,
    councilId,
    rows.map((r) => r.pkg.locationId),
  )
  const view = (r: (typeof rows)[number]): AwaitingAward => ({
    packageId: r.pkg.id,
    requestId: r.pkg.requestId,
    personName: r.personName,
    locationName: places.get(r.pkg.locationId)?.name ?? '',
    providerName: places.get(r.pkg.locationId)?.providerName ?? '',
    confirmation: r.pkg.confirmation as 'awaiting' | 'declined',
    confirmBy: r.pkg.confirmBy,
    overdue: isConfirmationOverdue(r.pkg, now),
    declineReason: r.pkg.declineReason,
    respondedAt: r.pkg.respondedAt,
    awardedAt: r.pkg.createdAt,
  })
  return {
    awaiting: rows.filter((r) => r.pkg.confirmation === 'awaiting').map(view),
    declined: rows
      .filter((r) => r.pkg.confirmation === 'declined')
      .map(view)
      .sort((a, b) => (a.respondedAt?.getTime() ?? 0) - (b.respondedAt?.getTime() ?? 0)),
  }
}

// ---------------------------------------------------------------------------------------------
// What the awarded provider is handed

export interface HandoverContact {
  role: string
  /** Council staff accounts hold no name: null until they do. */
  name: string | null
  email: string | null
  phone: string | null
  team: string | null
}

export interface PersonContacts {
  /** Null when none was recorded or the person did not agree to share it. */
  address: { line1: string; line2: string | null; town: string; postcode: string } | null
  phone: string | null
  representative: { name: string; relationship: string; phone: string | null; email: string | null } | null
  /** What the person did not agree to share, so the page can say it is withheld rather than missing. */
  withheld: ('address' | 'phone' | 'representative')[]
}

type PersonRow = typeof people.$inferSelect

/** The person's contact details as far as they agreed to share them with the awarded provider. */
export function sharedContacts(person: PersonRow): PersonContacts {
  const consent = new Set(person.sharingConsent)
  const withheld: PersonContacts['withheld'] = []
  const allow = <T>(kind: 'address' | 'phone' | 'representative', value: T | null): T | null => {
    if (value === null) return null
    if (consent.has(kind)) return value
    withheld.push(kind)
    return null
  }
  const address =
    person.addressLine1 && person.town && person.postcode
      ? {
          line1: person.addressLine1,
          line2: person.addressLine2,
          town: person.town,
          postcode: person.postcode,
        }
      : null
  return {
    address: allow('address', address),
    phone: allow('phone', person.phone),
    representative: allow('representative', person.representative ?? null),
    withheld,
  }
}

/** Who at the council the provider deals with: the broker who made the award and the request's social worker. */
export async function councilContacts(
  db: Queryable,
  request: {
    councilId: number
    createdByUserId: number | null
    assignedBrokerId: number | null
    teamName: string | null
  },
  awardedBy: string,
): Promise<HandoverContact[]> {
  // The broker the request is assigned to, while still an active broker of the council; otherwise
  // whoever made the award, when that was a person.
  const ids = [request.assignedBrokerId, request.createdByUserId].filter((id): id is number => id !== null)
  const accounts = ids.length > 0 ? await activeAccounts(db, ids) : []
  const ofCouncil = (id: number | null, role: string) =>
    accounts.find((a) => a.id === id && a.councilId === request.councilId && a.role === role)
  const assigned = ofCouncil(request.assignedBrokerId, 'broker')
  const brokerEmail = assigned?.email ?? (awardedBy.includes('@') ? awardedBy : null)
  const contacts: HandoverContact[] = [
    { role: 'Broker', name: null, email: brokerEmail, phone: null, team: 'Brokerage team' },
  ]
  const creator = ofCouncil(request.createdByUserId, 'social_worker')
  if (creator) {
    contacts.push({
      role: 'Social worker',
      name: null,
      email: creator.email,
      phone: null,
      team: request.teamName,
    })
  }
  return contacts
}
