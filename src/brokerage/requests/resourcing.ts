// Re-sourcing after a provider failure: the packages a failing provider holds, a new request for a
// person copied from the request that placed them there, and how each new request is getting on.
// The market's failure response (src/market/failures/) calls these through the request service;
// brokerage never knows why.
import { and, desc, eq, inArray, sql } from 'drizzle-orm'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Queryable, Transaction } from '../../db/connection.ts'
import { NotFoundError } from '../../errors.ts'
import { notifyOrganisations, type ProviderMessage } from '../offers/store.ts'
import { brokerageCarePackages } from '../reporting/views.ts'
import type { RequestStatus } from '../rules/index.ts'
import { importedPackages, offers, packages, people, requestVisits, sourcingRequests } from '../schema.ts'
import { getBrokerageSettings } from '../settings/service.ts'
import { insertCreatedEvent } from './records.ts'
import { transitionRequest } from './service.ts'

export interface AffectedPackage {
  source: 'brokered' | 'imported'
  /** The package's id in its source (packages or the council's own book). */
  packageId: number
  /** One person across both sources: the case reference where there is one. */
  personKey: string
  /** The person Caremarket holds (brokered packages); null for the book's, which hold no identity. */
  personId: number | null
  /** The person's name for council staff; the case reference for the book's packages. */
  personLabel: string
  /** The request that placed a brokered package; null for the book's. */
  requestId: number | null
  locationId: number
  providerOrganisationId: number
  serviceType: string
  minutesPerWeek: number | null
  weeklyCostPence: number
  /** council, health, joint or self_funder; a brokered package is the council's. */
  funding: string
  startDate: string
  endDate: string | null
}

/**
 * Every package of care still running after the last day at the given locations or at any location
 * of a provider: brokered, and the council's own book where it is not also brokered (the read model
 * counts such a package once). Ordered by person, then package.
 */
export async function packagesAffected(
  db: Queryable,
  councilId: number,
  where: { locationIds: readonly number[] } | { providerOrganisationId: number },
  lastDay: string,
): Promise<AffectedPackage[]> {
  const k = brokerageCarePackages
  const at =
    'providerOrganisationId' in where
      ? eq(k.providerOrganisationId, where.providerOrganisationId)
      : where.locationIds.length === 0
        ? sql`false`
        : inArray(k.locationId, [...where.locationIds])
  const rows = await db
    .select({
      source: k.source,
      packageId: k.id,
      personKey: k.personKey,
      locationId: k.locationId,
      providerOrganisationId: k.providerOrganisationId,
      serviceType: k.serviceType,
      minutesPerWeek: k.minutesPerWeek,
      weeklyCostPence: k.weeklyCostPence,
      startDate: k.startDate,
      endDate: k.endDate,
    })
    .from(k)
    .where(
      and(eq(k.councilId, councilId), at, sql`(${k.endDate} is null or ${k.endDate} >= ${lastDay}::date)`),
    )
  const brokeredIds = rows.filter((r) => r.source === 'brokered').map((r) => r.packageId)
  const importedIds = rows.filter((r) => r.source === 'imported').map((r) => r.packageId)
  const [brokered, imported] = await Promise.all([
    brokeredIds.length === 0
      ? []
      : db
          .select({
            id: packages.id,
            personId: packages.personId,
            requestId: packages.requestId,
            name: people.name,
          })
          .from(packages)
          .innerJoin(people, eq(people.id, packages.personId))
          .where(and(eq(packages.councilId, councilId), inArray(packages.id, brokeredIds))),
    importedIds.length === 0
      ? []
      : db
          .select({
            id: importedPackages.id,
            personRef: importedPackages.personRef,
            funding: importedPackages.funding,
          })
          .from(importedPackages)
          .where(and(eq(importedPackages.councilId, councilId), inArray(importedPackages.id, importedIds))),
  ])
  const byBrokered = new Map(brokered.map((b) => [b.id, b]))
  const byImported = new Map(imported.map((i) => [i.id, i]))
  return rows
    .map((r): AffectedPackage => {
      const b = r.source === 'brokered' ? byBrokered.get(r.packageId) : undefined
      const i = r.source === 'imported' ? byImported.get(r.packageId) : undefined
      return {
        ...r,
        personId: b?.personId ?? null,
        personLabel: b?.name ?? (i ? `Case reference ${i.personRef}` : r.personKey),
        requestId: b?.requestId ?? null,
        funding: i?.funding ?? 'council',
      }
    })
    .sort((a, b) => a.personKey.localeCompare(b.personKey) || a.packageId - b.packageId)
}

/** The names of people Caremarket holds, for council staff's pages. */
export async function personNames(
  db: Queryable,
  councilId: number,
  personIds: readonly number[],
): Promise<Map<number, string>> {
  if (personIds.length === 0) return new Map()
  const rows = await db
    .select({ id: people.id, name: people.name })
    .from(people)
    .where(and(eq(people.councilId, councilId), inArray(people.id, [...personIds])))
  return new Map(rows.map((r) => [r.id, r.name]))
}

export interface ResourcingTerms {
  councilId: number
  /** The brokered packages the person had at the failing provider: their needs and visits are copied. */
  packageIds: readonly number[]
  startDate: string
  urgency: 'emergency' | 'urgent' | 'routine'
  /** 24 or 48 for an emergency; null for the council's own emergency window. */
  emergencyHours: number | null
  excludedProviderIds: readonly number[]
  /** Why, on the request's history and audit entry ("Re-sourcing after the closure of ..."). */
  reason: string
  actor: Actor
  now: Date
}

/**
 * A new request for the person of the given packages, inside the caller's transaction: a copy of
 * the request that placed the first of them (needs, service type, client group, where distance is
 * measured from, references), with the visits those packages covered, starting on the given day,
 * leaving out the failing providers, submitted to the brokers. Returns its id.
 */
export async function createResourcingRequest(tx: Transaction, terms: ResourcingTerms): Promise<number> {
  const { councilId } = terms
  const held = await tx
    .select({ id: packages.id, requestId: packages.requestId, visitIds: packages.visitIds })
    .from(packages)
    .where(and(eq(packages.councilId, councilId), inArray(packages.id, [...terms.packageIds])))
    .orderBy(packages.id)
  const first = held[0]
  if (!first) throw new NotFoundError('No such package')
  const [original] = await tx
    .select()
    .from(sourcingRequests)
    .where(and(eq(sourcingRequests.councilId, councilId), eq(sourcingRequests.id, first.requestId)))
  if (!original) throw new NotFoundError('No such request')
  const visitIds = held.filter((p) => p.requestId === original.id).flatMap((p) => p.visitIds)
  const visits =
    visitIds.length === 0
      ? []
      : await tx
          .select()
          .from(requestVisits)
          .where(and(eq(requestVisits.requestId, original.id), inArray(requestVisits.id, visitIds)))
          .orderBy(requestVisits.id)
  const [created] = await tx
    .insert(sourcingRequests)
    .values({
      councilId,
      personId: original.personId,
      createdByUserId: terms.actor.kind === 'user' ? terms.actor.userId : null,
      teamId: original.teamId,
      serviceType: original.serviceType,
      clientGroup: original.clientGroup,
      specialisms: original.specialisms,
      needsSummary: original.needsSummary,
      preferredPostcode: original.preferredPostcode,
      preferredOutcode: original.preferredOutcode,
      latitude: original.latitude,
      longitude: original.longitude,
      maxDistanceMiles: original.maxDistanceMiles,
      startDate: terms.startDate,
      urgency: terms.urgency,
      emergencyHours: terms.urgency === 'emergency' ? terms.emergencyHours : null,
      inHospital: false,
      usualPricePence: original.usualPricePence,
      // The band carries over; a broker's override was for the first placement, so the rate book applies again.
      band: original.band,
      budgetPence: original.budgetPence,
      notesForProviders: original.notesForProviders,
      carerGender: original.carerGender,
      language: original.language,
      lotId: original.lotId,
      excludedProviderIds: [...terms.excludedProviderIds],
      supportMinutesPerWeek: original.supportMinutesPerWeek,
      personRef: original.personRef,
      caseRef: original.caseRef,
      status: 'draft',
      createdAt: terms.now,
      updatedAt: terms.now,
    })
    .returning()
  if (!created) throw new Error('request not inserted')
  if (visits.length > 0)
    await tx.insert(requestVisits).values(
      visits.map((v) => ({
        councilId,
        requestId: created.id,
        days: v.days,
        windowStart: v.windowStart,
        windowEnd: v.windowEnd,
        durationMinutes: v.durationMinutes,
        carers: v.carers,
      })),
    )
  await insertCreatedEvent(tx, councilId, created.id, terms.actor, terms.now)
  await recordAudit(tx, terms.actor, {
    councilId,
    action: 'sourcing_request.created',
    entityType: 'sourcing_request',
    entityId: created.id,
    details: {
      serviceType: created.serviceType,
      visits: visits.length,
      resourcingOf: original.id,
      packageIds: [...terms.packageIds],
      excludedProviderIds: [...terms.excludedProviderIds],
    },
  })
  await transitionRequest(tx, created, 'submit', terms.actor, { now: terms.now, reason: terms.reason })
  return created.id
}

export interface BookResourcingTerms extends Omit<ResourcingTerms, 'packageIds'> {
  /** The council's own book's packages the person had at the failing provider. */
  importedPackageIds: readonly number[]
}

/**
 * A request for a person the council's own book knows only by case reference, inside the caller's
 * transaction. The book holds no name, date of birth or postcode, and Caremarket invents none: the
 * person is the one an earlier request gave that case-system person ID, or a new record named by
 * the case reference, with only the book's postcode district, locality and PCN area. The request
 * takes what the book says (service type, client group, hours of support for supported living,
 * the person reference), starts on the given day, leaves out the failing providers and stays a
 * draft: a social worker or broker completes the person's details and needs, and submits it.
 * Returns its id.
 */
export async function createBookResourcingRequest(
  tx: Transaction,
  terms: BookResourcingTerms,
): Promise<number> {
  const { councilId } = terms
  const [book] = await tx
    .select()
    .from(importedPackages)
    .where(
      and(
        eq(importedPackages.councilId, councilId),
        inArray(importedPackages.id, [...terms.importedPackageIds]),
      ),
    )
    .orderBy(importedPackages.id)
    .limit(1)
  if (!book) throw new NotFoundError('No such package in the council’s book')
  const [known] = await tx
    .select({ personId: sourcingRequests.personId })
    .from(sourcingRequests)
    .where(
      and(
        eq(sourcingRequests.councilId, councilId),
        sql`lower(${sourcingRequests.personRef}) = lower(${book.personRef})`,
      ),
    )
    .orderBy(desc(sourcingRequests.id))
    .limit(1)
  let personId = known?.personId
  if (personId === undefined) {
    const [person] = await tx
      .insert(people)
      .values({
        councilId,
        name: `Case reference ${book.personRef}`,
        dateOfBirth: null,
        postcode: null,
        outcode: book.outcode,
        localityId: book.localityId,
        pcnAreaId: book.pcnAreaId,
      })
      .returning({ id: people.id })
    if (!person) throw new Error('person not inserted')
    personId = person.id
  }
  const settings = await getBrokerageSettings(tx, councilId)
  const [created] = await tx
    .insert(sourcingRequests)
    .values({
      councilId,
      personId,
      createdByUserId: terms.actor.kind === 'user' ? terms.actor.userId : null,
      serviceType: book.serviceType,
      clientGroup: book.clientGroup,
      preferredOutcode: book.outcode,
      maxDistanceMiles: settings.maxDistanceMiles,
      startDate: terms.startDate,
      urgency: terms.urgency,
      emergencyHours: terms.urgency === 'emergency' ? terms.emergencyHours : null,
      supportMinutesPerWeek: book.serviceType === 'supported_living' ? book.minutesPerWeek : null,
      excludedProviderIds: [...terms.excludedProviderIds],
      personRef: book.personRef,
      status: 'draft',
      createdAt: terms.now,
      updatedAt: terms.now,
    })
    .returning({ id: sourcingRequests.id })
  if (!created) throw new Error('request not inserted')
  await insertCreatedEvent(tx, councilId, created.id, terms.actor, terms.now)
  await recordAudit(tx, terms.actor, {
    councilId,
    action: 'sourcing_request.created',
    entityType: 'sourcing_request',
    entityId: created.id,
    details: {
      draft: true,
      serviceType: book.serviceType,
      fromBook: true,
      importedPackageIds: [...terms.importedPackageIds],
      excludedProviderIds: [...terms.excludedProviderIds],
      reason: terms.reason,
    },
  })
  return created.id
}

export interface ResourcingProgress {
  requestId: number
  status: RequestStatus
  /** Offers the request has had (withdrawn and declined ones too). */
  offers: number
  /** The first package its award made: the re-placement. */
  package: {
    id: number
    locationId: number
    providerOrganisationId: number
    weeklyCostPence: number
    startDate: string
    awardedAt: Date
    choiceReason: string | null
  } | null
}

/** How each re-sourcing request is getting on: its status, offers and re-placement. */
export async function resourcingProgress(
  db: Queryable,
  councilId: number,
  requestIds: readonly number[],
): Promise<Map<number, ResourcingProgress>> {
  if (requestIds.length === 0) return new Map()
  const ids = [...requestIds]
  const [requests, offerCounts, placed] = await Promise.all([
    db
      .select({ id: sourcingRequests.id, status: sourcingRequests.status })
      .from(sourcingRequests)
      .where(and(eq(sourcingRequests.councilId, councilId), inArray(sourcingRequests.id, ids))),
    db
      .select({ requestId: offers.requestId, count: sql<number>`count(*)::int` })
      .from(offers)
      .where(and(eq(offers.councilId, councilId), inArray(offers.requestId, ids)))
      .groupBy(offers.requestId),
    db
      .select()
      .from(packages)
      .where(and(eq(packages.councilId, councilId), inArray(packages.requestId, ids)))
      .orderBy(packages.id),
  ])
  const counts = new Map(offerCounts.map((o) => [o.requestId, Number(o.count)]))
  const firstPackage = new Map<number, (typeof placed)[number]>()
  for (const p of placed) if (!firstPackage.has(p.requestId)) firstPackage.set(p.requestId, p)
  return new Map(
    requests.map((r) => {
      const p = firstPackage.get(r.id)
      return [
        r.id,
        {
          requestId: r.id,
          status: r.status as RequestStatus,
          offers: counts.get(r.id) ?? 0,
          package: p
            ? {
                id: p.id,
                locationId: p.locationId,
                providerOrganisationId: p.providerOrganisationId,
                weeklyCostPence: p.weeklyCostPence,
                startDate: p.startDate,
                awardedAt: p.createdAt,
                choiceReason: p.choiceReason,
              }
            : null,
        },
      ]
    }),
  )
}

/** In-app messages (and emails to their users) to providers, in the caller's transaction. */
export function tellProviders(
  tx: Queryable,
  councilId: number,
  kind: string,
  messages: readonly ProviderMessage[],
): Promise<{ inbox: number; emails: number }> {
  return notifyOrganisations(tx, councilId, kind, messages)
}
