// Market events: provider exits, closures, deregistrations, openings and changes in capacity, with
// the beds, home care hours and people they touched and what the failures cost the council. Recorded
// by commissioners, and by the CQC import as the register changes (register.ts).
import { and, asc, desc, eq, gte, isNull, lte, or, type SQL, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, actorColumns, recordAudit } from '../../audit/service.ts'
import { REQUEST_SERVICE_TYPE_MAP, type RequestServiceType } from '../../brokerage/rules/index.ts'
import type { Queryable } from '../../db/connection.ts'
import { ConflictError, type FieldError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { providersLocationFacts, providersOrganisationFacts } from '../../providers/reporting/views.ts'
import { checkPeriod } from '../period.ts'
import {
  checkFigures,
  EDITABLE,
  type EventTotals,
  type FigureField,
  figuresSchema,
  hoursOf,
  isFailure,
  issuesOf,
  MARKET_EVENT_KIND_LABELS,
  MARKET_EVENT_KINDS,
  type MarketEventInput,
  type MarketEventKind,
  type MarketEventUpdate,
  occurredOnField,
  type PlaceInput,
  periodSchema,
  placeSchema,
  storedFigures,
  totalsOf,
  withdrawSchema,
  yearBefore,
} from './rules.ts'
import { marketEvents } from './schema.ts'
import {
  countActivePackages,
  getEventRow,
  locationOf,
  type MarketEventRow,
  type MarketEventView,
  type PackagesCounted,
  type PlaceLocation,
  providerLocations,
  providerOf,
  toView,
  viewQuery,
} from './store.ts'

// The service is the area's public face: what other modules read is exported here.
export type { MarketEventInput, MarketEventUpdate, PlaceInput } from './rules.ts'
export { periodSchema, yearBefore } from './rules.ts'
export type { MarketEventRow, MarketEventView, PlaceLocation } from './store.ts'

export function actorName(actor: Actor): string {
  return actorColumns(actor).actor
}

// ---------------------------------------------------------------------------------------------
// Input

/** What happened, where and when: the first half of recording an event, checked against the register. */
export interface EventPlace {
  kind: MarketEventKind
  occurredOn: string
  provider: { id: number; name: string }
  /** Null for a provider exit. */
  location: PlaceLocation | null
  /** The locations the event covers: the location, or every location of a leaving provider. */
  covered: PlaceLocation[]
}

/**
 * Checks what happened, where and when. A provider exit names the provider (or one of its
 * locations); anything else names a location (and, if it names a provider, the location's own).
 * A location or provider outside the council's register is a field error, as if it were not listed.
 */
export async function checkEventPlace(
  db: Queryable,
  councilId: number,
  input: PlaceInput,
  now = new Date(),
): Promise<EventPlace> {
  const result = placeSchema(now).safeParse(input)
  const errors = issuesOf(result)
  if (!result.success) throw new ValidationError(errors)
  return placeFrom(db, councilId, result.data)
}

async function placeFrom(
  db: Queryable,
  councilId: number,
  terms: z.infer<ReturnType<typeof placeSchema>>,
): Promise<EventPlace> {
  const { kind, occurredOn } = terms
  const location = terms.locationId === null ? undefined : await locationOf(db, councilId, terms.locationId)
  if (terms.locationId !== null && !location)
    throw new ValidationError([{ field: 'locationId', message: 'Choose the location from the list' }])
  const provider = terms.providerId === null ? undefined : await providerOf(db, councilId, terms.providerId)
  if (terms.providerId !== null && !provider)
    throw new ValidationError([{ field: 'providerId', message: 'Choose the provider from the list' }])
  if (location && provider && location.providerOrganisationId !== provider.id)
    throw new ValidationError([
      {
        field: 'providerId',
        message: `${location.name} is not run by ${provider.name}: choose its own provider, or leave the provider empty`,
      },
    ])
  if (kind === 'provider_exit') {
    const leaving =
      provider ?? (location ? await providerOf(db, councilId, location.providerOrganisationId) : undefined)
    if (!leaving)
      throw new ValidationError([{ field: 'providerId', message: 'Choose the provider that is leaving' }])
    return {
      kind,
      occurredOn,
      provider: leaving,
      location: null,
      covered: await providerLocations(db, councilId, leaving.id, occurredOn),
    }
  }
  if (!location) throw new ValidationError([{ field: 'locationId', message: 'Choose the location' }])
  const owner = provider ?? (await providerOf(db, councilId, location.providerOrganisationId))
  if (!owner) throw new NotFoundError('No such provider')
  const { providerOrganisationId: _, ...place } = location
  return { kind, occurredOn, provider: owner, location: place, covered: [place] }
}

// ---------------------------------------------------------------------------------------------
// What Caremarket can work out

export interface EventDefaults {
  counted: PackagesCounted
  /** The registered beds of the locations covered. */
  registeredBeds: number
  /** The figures to offer in the form, as the boxes show them. */
  values: Partial<Record<FigureField, string>>
}

/**
 * What the form suggests: for a failure, the registered beds, the people with a package there on
 * the date and their home care hours; for an opening, the registered beds gained.
 */
export async function eventDefaults(
  db: Queryable,
  councilId: number,
  place: EventPlace,
): Promise<EventDefaults> {
  const counted = await countPackagesAt(db, councilId, place)
  const registeredBeds = place.covered.reduce((sum, l) => sum + (l.registeredBeds ?? 0), 0)
  const values: EventDefaults['values'] = {}
  if (isFailure(place.kind)) {
    values.bedsLost = String(registeredBeds)
    values.homeCareHoursLost = counted.homeCareMinutes ? String(hoursOf(counted.homeCareMinutes)) : '0'
    values.peopleAffected = String(counted.people)
  } else if (place.kind === 'opening') {
    values.bedsGained = String(registeredBeds)
  }
  return { counted, registeredBeds, values }
}

function countPackagesAt(db: Queryable, councilId: number, place: EventPlace) {
  return countActivePackages(
    db,
    councilId,
    place.location ? { locationIds: [place.location.id] } : { providerOrganisationId: place.provider.id },
    place.occurredOn,
  )
}

// ---------------------------------------------------------------------------------------------
// Recording and changing events

/**
 * Records an event a person reports, with the figures they confirm (the form offers Caremarket's
 * own count; what was counted is kept beside what was confirmed).
 */
export async function recordMarketEvent(
  db: Queryable,
  councilId: number,
  input: MarketEventInput,
  actor: Actor,
  options: { now?: Date } = {},
): Promise<MarketEventRow> {
  const now = options.now ?? new Date()
  const placeResult = placeSchema(now).safeParse(input)
  const figuresResult = figuresSchema.safeParse(input)
  const errors = [...issuesOf(placeResult), ...issuesOf(figuresResult)]
  if (placeResult.success) checkFigures(placeResult.data.kind, input, errors)
  if (!placeResult.success || !figuresResult.success || errors.length > 0) throw new ValidationError(errors)
  const place = await placeFrom(db, councilId, placeResult.data)
  const counted = await countPackagesAt(db, councilId, place)
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(marketEvents)
      .values({
        councilId,
        kind: place.kind,
        providerOrganisationId: place.provider.id,
        locationId: place.location?.id ?? null,
        occurredOn: place.occurredOn,
        ...storedFigures(figuresResult.data),
        peopleCounted: counted.people,
        source: 'manual',
        recordedAt: now,
        recordedBy: actorName(actor),
      })
      .returning()
    if (!row) throw new Error('market event not stored')
    await recordAudit(tx, actor, {
      councilId,
      action: 'market_event.recorded',
      entityType: 'market_event',
      entityId: row.id,
      details: auditDetails(row),
    })
    return row
  })
}

export function auditDetails(row: MarketEventRow) {
  return {
    kind: row.kind,
    providerOrganisationId: row.providerOrganisationId,
    locationId: row.locationId,
    occurredOn: row.occurredOn,
    bedsLost: row.bedsLost,
    bedsGained: row.bedsGained,
    homeCareMinutesLost: row.homeCareMinutesLost,
    homeCareMinutesGained: row.homeCareMinutesGained,
    peopleAffected: row.peopleAffected,
    peopleCounted: row.peopleCounted,
    extraCostPence: row.extraCostPence,
    source: row.source,
    cqcImportId: row.cqcImportId,
  }
}

/**
 * Corrects an event's date and figures, or adds its cost once it is known. What happened and where
 * stay as recorded: an event recorded against the wrong place is withdrawn and recorded again.
 */
export async function updateMarketEvent(
  db: Queryable,
  councilId: number,
  eventId: number,
  input: MarketEventUpdate,
  actor: Actor,
  options: { now?: Date } = {},
): Promise<MarketEventRow> {
  const now = options.now ?? new Date()
  const dateResult = z.object({ occurredOn: occurredOnField(now) }).safeParse(input)
  const figuresResult = figuresSchema.safeParse(input)
  const existing = await getEventRow(db, councilId, eventId)
  if (existing.withdrawnAt)
    throw new ConflictError('This event has been withdrawn, so it can no longer be changed')
  const errors = [...issuesOf(dateResult), ...issuesOf(figuresResult)]
  checkFigures(existing.kind as MarketEventKind, input, errors)
  if (!dateResult.success || !figuresResult.success || errors.length > 0) throw new ValidationError(errors)
  const changes = { occurredOn: dateResult.data.occurredOn, ...storedFigures(figuresResult.data) }
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(marketEvents)
      .set({ ...changes, updatedAt: now, updatedBy: actorName(actor) })
      .where(and(eq(marketEvents.id, existing.id), isNull(marketEvents.withdrawnAt)))
      .returning()
    if (!row) throw new ConflictError('This event has been withdrawn, so it can no longer be changed')
    const changed = Object.fromEntries(
      EDITABLE.filter((name) => existing[name] !== row[name]).map((name) => [
        name,
        { from: existing[name], to: row[name] },
      ]),
    )
    await recordAudit(tx, actor, {
      councilId,
      action: 'market_event.updated',
      entityType: 'market_event',
      entityId: row.id,
      details: { kind: row.kind, changed },
    })
    return row
  })
}

/** Withdraws an event recorded in error: it stays on record, and no longer counts. */
export async function withdrawMarketEvent(
  db: Queryable,
  councilId: number,
  eventId: number,
  input: { reason?: unknown },
  actor: Actor,
  options: { now?: Date } = {},
): Promise<MarketEventRow> {
  const { reason } = parseInput(withdrawSchema, input)
  const existing = await getEventRow(db, councilId, eventId)
  return withdraw(db, existing, reason, actor, options.now ?? new Date())
}

export async function withdraw(
  db: Queryable,
  existing: MarketEventRow,
  reason: string,
  actor: Actor,
  now: Date,
) {
  return db.transaction(async (tx) => {
    // The withdrawn_at condition makes a second, concurrent withdrawal find nothing to update.
    const [row] = await tx
      .update(marketEvents)
      .set({ withdrawnAt: now, withdrawnBy: actorName(actor), withdrawReason: reason })
      .where(and(eq(marketEvents.id, existing.id), isNull(marketEvents.withdrawnAt)))
      .returning()
    if (!row)
      throw new ConflictError(
        `This event was already withdrawn${existing.withdrawnBy ? ` by ${existing.withdrawnBy}` : ''}`,
      )
    await recordAudit(tx, actor, {
      councilId: row.councilId,
      action: 'market_event.withdrawn',
      entityType: 'market_event',
      entityId: row.id,
      details: { kind: row.kind, locationId: row.locationId, reason },
    })
    return row
  })
}

/** One event of the council, with the names of its place; NotFoundError for another council's. */
export async function getMarketEvent(
  db: Queryable,
  councilId: number,
  eventId: number,
): Promise<MarketEventView & { covered: PlaceLocation[] }> {
  const [row] = await viewQuery(db).where(
    and(eq(marketEvents.councilId, councilId), eq(marketEvents.id, eventId)),
  )
  if (!row) throw new NotFoundError('No such market event')
  const view = toView(row)
  const covered =
    view.locationId === null
      ? await providerLocations(db, councilId, view.providerOrganisationId, view.occurredOn)
      : []
  return { ...view, covered }
}

export interface MarketEventsList {
  from: string
  to: string
  /** Every event in the period, newest first; withdrawn ones too, marked, and left out of the summary. */
  events: MarketEventView[]
  summary: MarketEventsSummary
}

/** The council's events that happened in a period (by default the year to today), with their summary. */
export async function listMarketEvents(
  db: Queryable,
  councilId: number,
  input: unknown,
  now = new Date(),
): Promise<MarketEventsList> {
  const terms = parseInput(periodSchema, input)
  const errors: FieldError[] = []
  const { from, to } = checkPeriod(terms, yearBefore, now, errors)
  if (errors.length > 0) throw new ValidationError(errors)
  const [rows, summary] = await Promise.all([
    viewQuery(db)
      .where(
        and(
          eq(marketEvents.councilId, councilId),
          gte(marketEvents.occurredOn, from),
          lte(marketEvents.occurredOn, to),
        ),
      )
      .orderBy(desc(marketEvents.occurredOn), desc(marketEvents.id)),
    marketEventsSummary(db, councilId, { from, to }),
  ])
  return { from, to, events: rows.map(toView), summary }
}

/** Every event at one location, its provider's exits included, newest first; withdrawn ones too, marked. */
export async function locationMarketEvents(
  db: Queryable,
  councilId: number,
  location: { id: number; providerOrganisationId: number },
): Promise<MarketEventView[]> {
  const rows = await viewQuery(db)
    .where(
      and(
        eq(marketEvents.councilId, councilId),
        or(
          eq(marketEvents.locationId, location.id),
          and(
            isNull(marketEvents.locationId),
            eq(marketEvents.providerOrganisationId, location.providerOrganisationId),
          ),
        ),
      ),
    )
    .orderBy(desc(marketEvents.occurredOn), desc(marketEvents.id))
  return rows.map(toView)
}

// ---------------------------------------------------------------------------------------------
// Summary

interface KindTotals extends EventTotals {
  kind: MarketEventKind
  label: string
}

export interface MarketEventsSummary extends EventTotals {
  from: string
  to: string
  /** Provider exits, closures and deregistrations together: the market failures. */
  failures: EventTotals
  /** Every kind, in the vocabulary's order, with none where there were none. */
  byKind: KindTotals[]
}

export interface SummaryTerms {
  from: string
  to: string
  localityId?: number | null
  /** A request service type: the locations that offer it (its register service type and specialisms). */
  serviceType?: RequestServiceType | null
}

/**
 * The events that happened in the period (withdrawn ones left out), added up in total, for the
 * failures and by kind. With a locality or service type, an event counts when one of its locations
 * is in the locality and offers the service; a provider exit counts whole wherever it had one.
 */
export async function marketEventsSummary(
  db: Queryable,
  councilId: number,
  terms: SummaryTerms,
): Promise<MarketEventsSummary> {
  const conditions: SQL[] = [
    eq(marketEvents.councilId, councilId),
    isNull(marketEvents.withdrawnAt),
    gte(marketEvents.occurredOn, terms.from),
    lte(marketEvents.occurredOn, terms.to),
  ]
  const wanted = terms.serviceType ? REQUEST_SERVICE_TYPE_MAP[terms.serviceType] : null
  if (terms.localityId || wanted) {
    conditions.push(sql`exists (
      select 1 from providers_location_facts l
      where l.council_id = ${marketEvents.councilId}
        and (l.id = ${marketEvents.locationId}
          or (${marketEvents.locationId} is null and l.provider_organisation_id = ${marketEvents.providerOrganisationId}))
        ${terms.localityId ? sql`and l.locality_id = ${terms.localityId}` : sql``}
        ${wanted ? sql`and ${wanted.serviceType} = any(l.service_types)` : sql``}
        ${sql.join(
          (wanted?.specialisms ?? []).map((s) => sql`and ${s} = any(l.specialisms)`),
          sql` `,
        )})`)
  }
  const rows = await db
    .select({
      kind: marketEvents.kind,
      bedsLost: marketEvents.bedsLost,
      bedsGained: marketEvents.bedsGained,
      homeCareMinutesLost: marketEvents.homeCareMinutesLost,
      homeCareMinutesGained: marketEvents.homeCareMinutesGained,
      peopleAffected: marketEvents.peopleAffected,
      extraCostPence: marketEvents.extraCostPence,
    })
    .from(marketEvents)
    .where(and(...conditions))
  const figures = rows.map((r) => ({ ...r, kind: r.kind as MarketEventKind }))
  return {
    from: terms.from,
    to: terms.to,
    ...totalsOf(figures),
    failures: totalsOf(figures.filter((f) => isFailure(f.kind))),
    byKind: MARKET_EVENT_KINDS.map((kind) => ({
      kind,
      label: MARKET_EVENT_KIND_LABELS[kind],
      ...totalsOf(figures.filter((f) => f.kind === kind)),
    })),
  }
}

// ---------------------------------------------------------------------------------------------
// The form's choices

export interface PlaceOptions {
  locations: { id: number; text: string }[]
  providers: { id: number; text: string }[]
}

/** The council's locations and providers, by name, for the form's lists; inactive ones marked. */
export async function placeOptions(db: Queryable, councilId: number): Promise<PlaceOptions> {
  const [locationRows, providerRows] = await Promise.all([
    db
      .select({
        id: providersLocationFacts.id,
        name: providersLocationFacts.name,
        postcode: providersLocationFacts.postcode,
        active: providersLocationFacts.active,
        providerOrganisationId: providersLocationFacts.providerOrganisationId,
        providerName: providersOrganisationFacts.name,
      })
      .from(providersLocationFacts)
      .innerJoin(
        providersOrganisationFacts,
        eq(providersOrganisationFacts.id, providersLocationFacts.providerOrganisationId),
      )
      .where(eq(providersLocationFacts.councilId, councilId))
      .orderBy(asc(providersLocationFacts.name), asc(providersLocationFacts.id)),
    db
      .select({ id: providersOrganisationFacts.id, name: providersOrganisationFacts.name })
      .from(providersOrganisationFacts)
      .where(eq(providersOrganisationFacts.councilId, councilId))
      .orderBy(asc(providersOrganisationFacts.name), asc(providersOrganisationFacts.id)),
  ])
  const counts = new Map<number, number>()
  for (const l of locationRows)
    counts.set(l.providerOrganisationId, (counts.get(l.providerOrganisationId) ?? 0) + 1)
  return {
    locations: locationRows.map((l) => ({
      id: l.id,
      text: `${l.name}${l.postcode ? `, ${l.postcode}` : ''} (${l.providerName})${l.active ? '' : ', inactive'}`,
    })),
    providers: providerRows.map((p) => {
      const n = counts.get(p.id) ?? 0
      return { id: p.id, text: `${p.name} (${n} ${n === 1 ? 'location' : 'locations'})` }
    }),
  }
}

/** The council's events recorded after an instant (all of them when null), oldest first; withdrawn ones left out. */
export async function marketEventsRecordedSince(
  db: Queryable,
  councilId: number,
  since: Date | null,
): Promise<MarketEventView[]> {
  const rows = await viewQuery(db)
    .where(
      and(
        eq(marketEvents.councilId, councilId),
        isNull(marketEvents.withdrawnAt),
        since ? sql`${marketEvents.recordedAt} > ${since.toISOString()}::timestamptz` : undefined,
      ),
    )
    .orderBy(asc(marketEvents.recordedAt), asc(marketEvents.id))
  return rows.map(toView)
}
