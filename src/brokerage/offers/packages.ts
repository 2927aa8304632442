// Packages: what an award commits the council to. Council staff see every package of the council (a
// social worker those of their caseload); a provider sees its own, and only there the person's
// details, every view of which is logged.

import { and, count, desc, eq, gte, lte, or, type SQL, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { normaliseOutcode } from '../../geography/rules.ts'
import { locationSummaries } from '../../providers/service.ts'
import {
  BED_TYPE_LABELS,
  CLIENT_GROUP_LABELS,
  SPECIALISM_LABELS,
  type Specialism,
} from '../../providers/vocabulary.ts'
import { exampleDate, formatDate, isCalendarDate, londonDate } from '../../shared/dates.ts'
import { brokerageEvents } from '../events.ts'
import {
  caseloadCondition,
  inCaseload,
  type RequestScope,
  refuseOutsideCaseload,
  teamNameOf,
} from '../requests/caseload.ts'
import { CARER_GENDER_LABELS, type CarerGenderChoice } from '../requests/input.ts'
import { matchesPerson, matchesReference } from '../requests/store.ts'
import { redactCaseReferences } from '../rules/identifiers.ts'
import {
  describePrice,
  priceUnitFor,
  REQUEST_SERVICE_TYPE_LABELS,
  REQUEST_SERVICE_TYPE_MAP,
  type RequestServiceType,
} from '../rules/index.ts'
import { packagePriceChanges, packages, people, sourcingRequests } from '../schema.ts'
import {
  CONFIRMATION_LABELS,
  type Confirmation,
  councilContacts,
  type HandoverContact,
  isConfirmationOverdue,
  type PersonContacts,
  sharedContacts,
} from './handover.ts'
import { PACKAGE_STATE_LABELS, type PackageState, packageState } from './rules.ts'
import { type ProviderScope, type VisitView, visitView } from './service.ts'
import { loadVisits } from './store.ts'

type PackageRow = typeof packages.$inferSelect

export interface PackageView {
  id: number
  requestId: number
  offerId: number
  locationId: number
  locationName: string
  providerOrganisationId: number
  providerName: string
  serviceType: RequestServiceType
  serviceLabel: string
  bedTypeLabel: string | null
  agreedPricePence: number
  agreedPriceText: string
  weeklyCostPence: number
  minutesPerWeek: number | null
  visitIds: number[]
  topUpPencePerWeek: number | null
  aboveUsualPriceReason: string | null
  choiceReason: string | null
  qualitySignOffBy: string | null
  startDate: string
  endDate: string | null
  endReason: string | null
  state: PackageState
  stateLabel: string
  /** The provider's answer to the award, and the last day to give it. */
  confirmation: Confirmation
  confirmationLabel: string
  confirmBy: string | null
  confirmationOverdue: boolean
  respondedAt: Date | null
  declineReason: string | null
  createdAt: Date
  createdBy: string
}

/** A change of the package's weekly price after award, such as a fee uplift from 1 April. */
interface PackagePriceChange {
  effectiveFrom: string
  weeklyCostPence: number
  previousWeeklyCostPence: number
  reason: string
}

/** The price the package is paid on a day: the award's, then each change from its day on. */
export interface PackagePrices {
  priceChanges: PackagePriceChange[]
  weeklyCostTodayPence: number
}

async function packagePrices(db: Queryable, pkg: PackageRow, now: Date): Promise<PackagePrices> {
  const priceChanges = await db
    .select({
      effectiveFrom: packagePriceChanges.effectiveFrom,
      weeklyCostPence: packagePriceChanges.weeklyCostPence,
      previousWeeklyCostPence: packagePriceChanges.previousWeeklyCostPence,
      reason: packagePriceChanges.reason,
    })
    .from(packagePriceChanges)
    .where(
      and(
        eq(packagePriceChanges.councilId, pkg.councilId),
        eq(packagePriceChanges.source, 'brokered'),
        eq(packagePriceChanges.packageId, pkg.id),
      ),
    )
    .orderBy(packagePriceChanges.effectiveFrom)
  const today = londonDate(now)
  const inForce = priceChanges.filter((c) => c.effectiveFrom <= today).at(-1)
  return { priceChanges, weeklyCostTodayPence: inForce?.weeklyCostPence ?? pkg.weeklyCostPence }
}

/** What council staff also see: the person, as the council already holds them. */
export interface CouncilPackageView extends PackageView {
  person: { name: string; outcode: string }
  /** The request's case-system references as at award: council-side only, never in PackageView. */
  personRef: string | null
  caseRef: string | null
}

function packageView(
  row: PackageRow,
  where: { name: string; providerName: string } | undefined,
  now: Date,
): PackageView {
  const today = londonDate(now)
  const serviceType = row.serviceType as RequestServiceType
  const bedType = REQUEST_SERVICE_TYPE_MAP[serviceType]?.bedType ?? null
  const state = packageState(row, today)
  const confirmation = row.confirmation as Confirmation
  return {
    id: row.id,
    requestId: row.requestId,
    offerId: row.offerId,
    locationId: row.locationId,
    locationName: where?.name ?? '',
    providerOrganisationId: row.providerOrganisationId,
    providerName: where?.providerName ?? '',
    serviceType,
    serviceLabel: REQUEST_SERVICE_TYPE_LABELS[serviceType] ?? row.serviceType,
    bedTypeLabel: bedType ? BED_TYPE_LABELS[bedType] : null,
    agreedPricePence: row.agreedPricePence,
    agreedPriceText: describePrice(row.agreedPricePence, priceUnitFor(serviceType)),
    weeklyCostPence: row.weeklyCostPence,
    minutesPerWeek: row.minutesPerWeek,
    visitIds: row.visitIds,
    topUpPencePerWeek: row.topUpPencePerWeek,
    aboveUsualPriceReason: row.aboveUsualPriceReason,
    choiceReason: row.choiceReason,
    qualitySignOffBy: row.qualitySignOffBy,
    startDate: row.startDate,
    endDate: row.endDate,
    endReason: row.endReason,
    state,
    stateLabel: confirmation === 'declined' ? CONFIRMATION_LABELS.declined : PACKAGE_STATE_LABELS[state],
    confirmation,
    confirmationLabel: CONFIRMATION_LABELS[confirmation],
    confirmBy: row.confirmBy,
    confirmationOverdue: isConfirmationOverdue(row, now),
    respondedAt: row.respondedAt,
    declineReason: row.declineReason,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  }
}

export interface PackageFilters {
  requestId?: number
  state?: PackageState
  /** The provider's answer: waiting for it, confirmed or declined. */
  confirmation?: Confirmation
  /** Either case-system reference, matched whole in any case. */
  externalRef?: string | null
  /** The person (words of the name in any order, or the NHS number) or a case-system reference. */
  q?: string | null
  providerOrganisationId?: number
  /** Starting between these dates, inclusive. */
  startFrom?: string
  startTo?: string
  limit?: number
  offset?: number
}

/** A package's state on a day as SQL, the same rule as packageState. */
function stateCondition(state: PackageState, today: string): SQL {
  if (state === 'ended')
    return sql`(${packages.confirmation} = 'declined' or (${packages.endDate} is not null and ${packages.endDate} < ${today}))`
  if (state === 'starting')
    return sql`${packages.confirmation} <> 'declined' and ${packages.startDate} > ${today} and (${packages.endDate} is null or ${packages.endDate} >= ${today})`
  return sql`${packages.confirmation} <> 'declined' and ${packages.startDate} <= ${today} and (${packages.endDate} is null or ${packages.endDate} >= ${today})`
}

/** The council's packages a caller may see (a social worker's caseload's), newest first, a page at a time, with the total matching. */
export async function listPackages(
  db: Queryable,
  scope: RequestScope,
  filters: PackageFilters = {},
  now = new Date(),
): Promise<{ packages: CouncilPackageView[]; total: number }> {
  const { councilId } = scope
  const today = londonDate(now)
  const conditions = [eq(packages.councilId, councilId)]
  if (filters.requestId !== undefined) conditions.push(eq(packages.requestId, filters.requestId))
  if (filters.externalRef) conditions.push(matchesReference(packages, filters.externalRef))
  const text = filters.q?.trim().replace(/\s+/g, ' ')
  if (text) {
    const branches = [matchesPerson(packages.personId, councilId, text), matchesReference(packages, text)]
    conditions.push(or(...branches) as SQL)
  }
  if (filters.providerOrganisationId !== undefined)
    conditions.push(eq(packages.providerOrganisationId, filters.providerOrganisationId))
  if (filters.state) conditions.push(stateCondition(filters.state, today))
  if (filters.confirmation) conditions.push(eq(packages.confirmation, filters.confirmation))
  if (filters.startFrom) conditions.push(gte(packages.startDate, filters.startFrom))
  if (filters.startTo) conditions.push(lte(packages.startDate, filters.startTo))
  const caseload = caseloadCondition(scope, sourcingRequests)
  if (caseload) conditions.push(caseload)
  const where = and(...conditions)
  const rows = await db
    .select({ pkg: packages, name: people.name, outcode: people.outcode })
    .from(packages)
    .innerJoin(people, eq(people.id, packages.personId))
    .innerJoin(
      sourcingRequests,
      and(eq(sourcingRequests.councilId, packages.councilId), eq(sourcingRequests.id, packages.requestId)),
    )
    .where(where)
    .orderBy(desc(packages.createdAt), desc(packages.id))
    .limit(filters.limit ?? 100)
    .offset(filters.offset ?? 0)
  const [tally] = await db
    .select({ total: count() })
    .from(packages)
    .innerJoin(
      sourcingRequests,
      and(eq(sourcingRequests.councilId, packages.councilId), eq(sourcingRequests.id, packages.requestId)),
    )
    .where(where)
  const places = await locationSummaries(
    db,
    councilId,
    rows.map((r) => r.pkg.locationId),
  )
  return {
    packages: rows.map((r) => ({
      ...packageView(r.pkg, places.get(r.pkg.locationId), now),
      person: { name: r.name, outcode: normaliseOutcode(r.outcode) ?? r.outcode },
      personRef: r.pkg.personRef,
      caseRef: r.pkg.caseRef,
    })),
    total: tally?.total ?? 0,
  }
}

/** One package of the council, for council staff; one outside a social worker's caseload answers 404. */
export async function getPackage(
  db: Queryable,
  scope: RequestScope,
  packageId: number,
  now = new Date(),
): Promise<CouncilPackageView & PackagePrices & { visits: VisitView[] }> {
  const { councilId } = scope
  const [row] = await db
    .select({
      pkg: packages,
      name: people.name,
      outcode: people.outcode,
      createdByUserId: sourcingRequests.createdByUserId,
      teamId: sourcingRequests.teamId,
    })
    .from(packages)
    .innerJoin(people, eq(people.id, packages.personId))
    .innerJoin(
      sourcingRequests,
      and(eq(sourcingRequests.councilId, packages.councilId), eq(sourcingRequests.id, packages.requestId)),
    )
    .where(and(eq(packages.councilId, councilId), eq(packages.id, packageId)))
  if (!row) throw new NotFoundError('No such package')
  if (!inCaseload(scope, row))
    await refuseOutsideCaseload(db, scope, { type: 'package', id: packageId, teamId: row.teamId })
  const places = await locationSummaries(db, councilId, [row.pkg.locationId])
  const visits = (await loadVisits(db, councilId, row.pkg.requestId)).filter((v) =>
    row.pkg.visitIds.includes(v.id),
  )
  return {
    ...packageView(row.pkg, places.get(row.pkg.locationId), now),
    ...(await packagePrices(db, row.pkg, now)),
    person: { name: row.name, outcode: normaliseOutcode(row.outcode) ?? row.outcode },
    personRef: row.pkg.personRef,
    caseRef: row.pkg.caseRef,
    visits: visits.map(visitView),
  }
}

export const endPackageSchema = z.object({
  endDate: z
    .string({ error: 'Enter the last day of care' })
    .trim()
    .min(1, 'Enter the last day of care')
    .refine(isCalendarDate, { error: () => `The end date must be a real date, like ${exampleDate(28)}` }),
  reason: z
    .string({ error: 'Enter why the package is ending' })
    .trim()
    .min(1, 'Enter why the package is ending')
    .max(2000, 'The reason must be 2,000 characters or fewer'),
})

/** Ends a package on a date (its last day of care), with the reason. A package ends once. */
export async function endPackage(
  db: Database,
  user: RequestScope & { actor: Actor },
  packageId: number,
  input: unknown,
  now = new Date(),
): Promise<CouncilPackageView> {
  // A social worker ends only their caseload's packages; any other answers 404.
  await getPackage(db, user, packageId, now)
  const terms = parseInput(endPackageSchema, input)
  await db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(packages)
      .where(and(eq(packages.councilId, user.councilId), eq(packages.id, packageId)))
      .for('update')
    if (!row) throw new NotFoundError('No such package')
    if (row.endDate !== null)
      throw new ConflictError(`This package has already ended, on ${formatDate(row.endDate)}`)
    if (terms.endDate < row.startDate) {
      throw new ValidationError([
        {
          field: 'endDate',
          message: `The end date must be on or after the start date, ${formatDate(row.startDate)}`,
        },
      ])
    }
    await tx
      .update(packages)
      .set({ endDate: terms.endDate, endReason: terms.reason })
      .where(eq(packages.id, packageId))
    await recordAudit(tx, user.actor, {
      councilId: user.councilId,
      action: 'package.ended',
      entityType: 'package',
      entityId: packageId,
      details: { endDate: terms.endDate, reason: terms.reason },
    })
    await brokerageEvents.emit(
      'packageEnded',
      { councilId: user.councilId, requestId: row.requestId, packageId, endDate: terms.endDate },
      tx,
    )
  })
  return getPackage(db, user, packageId, now)
}

// ---------------------------------------------------------------------------------------------
// The provider's packages

/** The organisation's packages, without the person's details (those are on each package's own page). */
export async function listProviderPackages(
  db: Queryable,
  scope: ProviderScope,
  now = new Date(),
): Promise<(PackageView & { outcode: string })[]> {
  const rows = await db
    .select({ pkg: packages, outcode: people.outcode })
    .from(packages)
    .innerJoin(people, eq(people.id, packages.personId))
    .where(
      and(
        eq(packages.councilId, scope.councilId),
        eq(packages.providerOrganisationId, scope.providerOrganisationId),
      ),
    )
    .orderBy(desc(packages.createdAt), desc(packages.id))
    .limit(500)
  const places = await locationSummaries(
    db,
    scope.councilId,
    rows.map((r) => r.pkg.locationId),
  )
  return rows.map((r) => ({
    ...packageView(r.pkg, places.get(r.pkg.locationId), now),
    outcode: normaliseOutcode(r.outcode) ?? r.outcode,
  }))
}

export interface ProviderPackageDetail extends PackageView, PackagePrices {
  /** The person's details, shown only to the awarded provider. */
  person: {
    name: string
    dateOfBirth: string
    sex: string | null
    postcode: string
    nhsNumber: string | null
    /** How to reach them and their representative, as far as they agreed to share it. */
    contacts: PersonContacts
  }
  /** Who at the council to talk to about the package. */
  councilContacts: HandoverContact[]
  needsSummary: string
  notesForProviders: string
  clientGroupLabel: string
  specialismLabels: string[]
  carerGenderLabel: string | null
  language: string | null
  /** The date care was asked for (the package may start later, on the offer's earliest start). */
  neededFrom: string | null
  visits: VisitView[]
}

type HandoverRow = {
  pkg: PackageRow
  person: typeof people.$inferSelect
  request: typeof sourcingRequests.$inferSelect
}

/** Everything handed over about a package: the person, as far as they agreed, the council's contacts and the full needs. */
async function handoverDetail(
  db: Queryable,
  row: HandoverRow,
  teamName: string | null,
  now: Date,
): Promise<ProviderPackageDetail> {
  const { request, pkg } = row
  const places = await locationSummaries(db, pkg.councilId, [pkg.locationId])
  const visits = (await loadVisits(db, pkg.councilId, pkg.requestId)).filter((v) =>
    pkg.visitIds.includes(v.id),
  )
  const contacts = await councilContacts(
    db,
    {
      councilId: pkg.councilId,
      createdByUserId: request.createdByUserId,
      assignedBrokerId: request.assignedBrokerId,
      teamName,
    },
    pkg.createdBy,
  )
  // A package's request is past draft, so its needs summary is there, and its person's details
  // were completed before it was submitted (a person known from the book has none until then). The awarded provider
  // reads the person's details, but never the council's case-system IDs, even typed in text.
  const redact = (text: string) => redactCaseReferences(text, request)
  return {
    ...packageView(pkg, places.get(pkg.locationId), now),
    ...(await packagePrices(db, pkg, now)),
    person: {
      name: row.person.name,
      dateOfBirth: row.person.dateOfBirth ?? '',
      sex: row.person.sex,
      postcode: row.person.postcode ?? '',
      nhsNumber: row.person.nhsNumber,
      contacts: sharedContacts(row.person),
    },
    councilContacts: contacts,
    needsSummary: redact(request.needsSummary ?? ''),
    notesForProviders: redact(request.notesForProviders),
    clientGroupLabel:
      CLIENT_GROUP_LABELS[request.clientGroup as keyof typeof CLIENT_GROUP_LABELS] ??
      request.clientGroup ??
      '',
    specialismLabels: request.specialisms.map((s) => SPECIALISM_LABELS[s as Specialism] ?? s),
    carerGenderLabel: request.carerGender
      ? (CARER_GENDER_LABELS[request.carerGender as CarerGenderChoice] ?? null)
      : null,
    language: request.language ? redact(request.language) : null,
    neededFrom: request.startDate,
    visits: visits.map(visitView),
  }
}

/**
 * One of the organisation's packages with the person's details. Every call is a view of personal
 * data by a provider, so every call writes an audit entry ('personal_data.viewed') with who looked.
 */
export async function viewProviderPackage(
  db: Database,
  scope: ProviderScope,
  actor: Actor,
  packageId: number,
  now = new Date(),
): Promise<ProviderPackageDetail> {
  const [found] = await db
    .select({ teamId: sourcingRequests.teamId })
    .from(packages)
    .innerJoin(sourcingRequests, eq(sourcingRequests.id, packages.requestId))
    .where(
      and(
        eq(packages.councilId, scope.councilId),
        eq(packages.providerOrganisationId, scope.providerOrganisationId),
        eq(packages.id, packageId),
      ),
    )
  if (!found) throw new NotFoundError('No such package')
  // Looked up before the transaction: the team's name is another read on its own connection.
  const teamName = await teamNameOf(db, { councilId: scope.councilId, teamId: found.teamId })
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ pkg: packages, person: people, request: sourcingRequests })
      .from(packages)
      .innerJoin(people, eq(people.id, packages.personId))
      .innerJoin(sourcingRequests, eq(sourcingRequests.id, packages.requestId))
      .where(
        and(
          eq(packages.councilId, scope.councilId),
          eq(packages.providerOrganisationId, scope.providerOrganisationId),
          eq(packages.id, packageId),
        ),
      )
    if (!row) throw new NotFoundError('No such package')
    await recordAudit(tx, actor, {
      councilId: scope.councilId,
      action: 'personal_data.viewed',
      entityType: 'person',
      entityId: row.person.id,
      details: { packageId, providerOrganisationId: scope.providerOrganisationId },
    })
    return handoverDetail(tx, row, teamName, now)
  })
}

/**
 * The handover of one of the council's packages, as its provider has it, for the council's own
 * copy of the individual service agreement; one outside a social worker's caseload answers 404.
 */
export async function packageAgreement(
  db: Queryable,
  scope: RequestScope,
  packageId: number,
  now = new Date(),
): Promise<ProviderPackageDetail> {
  await getPackage(db, scope, packageId, now)
  const [row] = await db
    .select({ pkg: packages, person: people, request: sourcingRequests })
    .from(packages)
    .innerJoin(people, eq(people.id, packages.personId))
    .innerJoin(sourcingRequests, eq(sourcingRequests.id, packages.requestId))
    .where(and(eq(packages.councilId, scope.councilId), eq(packages.id, packageId)))
  if (!row) throw new NotFoundError('No such package')
  const teamName = await teamNameOf(db, { councilId: scope.councilId, teamId: row.request.teamId })
  return handoverDetail(db, row, teamName, now)
}
