// Market events: provider exits, closures, deregistrations, openings and changes in capacity, with
// the beds, home care hours and people they touched and what the failures cost the council. Recorded
// by commissioners, and by the CQC import as the register changes (RegisterEvents below).

import { and, asc, desc, eq, gte, isNull, lte, or, type SQL, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, actorColumns, recordAudit } from '../../audit/service.ts'
import {
  addCalendarDays,
  REQUEST_SERVICE_TYPE_MAP,
  type RequestServiceType,
} from '../../brokerage/rules/index.ts'
import type { Queryable } from '../../db/connection.ts'
import { ConflictError, type FieldError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { localities } from '../../geography/schema.ts'
import {
  providersImportFacts,
  providersLocationFacts,
  providersOrganisationFacts,
} from '../../providers/reporting/views.ts'
import { isCalendarDate, londonDate } from '../../shared/dates.ts'
import { checkPeriod, EARLIEST_DATE } from '../period.ts'
import {
  type EventTotals,
  FIGURE_FIELDS,
  type FigureField,
  hoursOf,
  isFailure,
  KIND_FIGURES,
  MARKET_EVENT_KIND_LABELS,
  MARKET_EVENT_KINDS,
  MAX_BEDS,
  MAX_NOTES,
  MAX_PEOPLE,
  type MarketEventKind,
  parseCost,
  parseCount,
  parseHours,
  type RegisterChange,
  totalsOf,
} from './rules.ts'
import { marketEvents } from './schema.ts'

export type MarketEventRow = typeof marketEvents.$inferSelect

function actorName(actor: Actor): string {
  return actorColumns(actor).actor
}

// ---------------------------------------------------------------------------------------------
// Input

const text = z.union([z.string(), z.number()]).nullish()

function idField(message: string) {
  return text.transform((value, ctx): number | null => {
    const trimmed = String(value ?? '').trim()
    if (trimmed === '') return null
    if (!/^\d{1,9}$/.test(trimmed)) {
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    }
    return Number(trimmed)
  })
}

/** The date the event happened: a real date, from 2000 to today. */
function occurredOnField(now: Date) {
  return text.transform((value, ctx): string => {
    const trimmed = String(value ?? '').trim()
    if (trimmed === '') {
      ctx.addIssue({ code: 'custom', message: 'Enter the date it happened' })
      return z.NEVER
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(trimmed) || !isCalendarDate(trimmed)) {
      ctx.addIssue({ code: 'custom', message: 'The date it happened must be a real date, like 27 3 2026' })
      return z.NEVER
    }
    if (trimmed > londonDate(now)) {
      ctx.addIssue({ code: 'custom', message: 'The date it happened must be today or in the past' })
      return z.NEVER
    }
    if (trimmed < EARLIEST_DATE) {
      ctx.addIssue({ code: 'custom', message: 'The date it happened must be in 2000 or later' })
      return z.NEVER
    }
    return trimmed
  })
}

function placeSchema(now: Date) {
  return z.object({
    kind: z.enum(MARKET_EVENT_KINDS, { error: 'Choose what happened' }),
    locationId: idField('Choose the location from the list'),
    providerId: idField('Choose the provider from the list'),
    occurredOn: occurredOnField(now),
  })
}

const figureParsers: Record<
  FigureField,
  (value: string | number | null | undefined) => ReturnType<typeof parseCount>
> = {
  bedsLost: (v) => parseCount(v, 'Beds lost', MAX_BEDS),
  bedsGained: (v) => parseCount(v, 'Beds gained', MAX_BEDS),
  homeCareHoursLost: (v) => parseHours(v, 'Home care hours lost'),
  homeCareHoursGained: (v) => parseHours(v, 'Home care hours gained'),
  peopleAffected: (v) => parseCount(v, 'People affected', MAX_PEOPLE),
  extraCost: (v) => parseCost(v),
}

function figureField(name: FigureField) {
  return text.transform((value, ctx): number | null => {
    const parsed = figureParsers[name](value)
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.problem })
      return z.NEVER
    }
    return parsed.value
  })
}

const figuresSchema = z.object({
  bedsLost: figureField('bedsLost'),
  bedsGained: figureField('bedsGained'),
  homeCareHoursLost: figureField('homeCareHoursLost'),
  homeCareHoursGained: figureField('homeCareHoursGained'),
  peopleAffected: figureField('peopleAffected'),
  extraCost: figureField('extraCost'),
  notes: z
    .string({ error: 'Enter the notes as text' })
    .trim()
    .max(MAX_NOTES, { error: `The notes must be ${MAX_NOTES.toLocaleString('en-GB')} characters or fewer` })
    .nullish(),
})

type Figures = z.infer<typeof figuresSchema>

const NOT_FOR: Record<FigureField, string> = {
  bedsLost: 'beds lost',
  bedsGained: 'beds gained',
  homeCareHoursLost: 'home care hours lost',
  homeCareHoursGained: 'home care hours gained',
  peopleAffected: 'people affected',
  extraCost: 'extra cost',
}

/** Each figure that reads, the others as missing: so the kind's rules can be checked beside other errors. */
function readableFigures(input: Partial<Record<FigureField, unknown>>): Record<FigureField, number | null> {
  const figures = {} as Record<FigureField, number | null>
  for (const name of FIGURE_FIELDS) {
    const value = input[name]
    const parsed = figureParsers[name](typeof value === 'string' || typeof value === 'number' ? value : null)
    figures[name] = parsed.ok ? parsed.value : null
  }
  return figures
}

/**
 * What a kind asks of its figures: only its own, people affected for a failure, some change for a
 * change. A field already in error is left alone.
 */
function checkFigures(
  kind: MarketEventKind,
  input: Partial<Record<FigureField, unknown>>,
  errors: FieldError[],
): void {
  const figures = readableFigures(input)
  const wrong = new Set(errors.map((e) => e.field))
  const add = (field: FigureField, message: string) => {
    if (!wrong.has(field)) errors.push({ field, message })
    wrong.add(field)
  }
  const allowed = KIND_FIGURES[kind]
  const label = MARKET_EVENT_KIND_LABELS[kind].toLowerCase()
  for (const name of FIGURE_FIELDS) {
    const value = figures[name]
    if (!allowed.includes(name) && value !== null && value !== 0)
      add(name, `A ${label} has no ${NOT_FOR[name]}`)
  }
  if (isFailure(kind) && figures.peopleAffected === null)
    add('peopleAffected', 'Enter the number of people affected, or 0 if there were none')
  if (
    kind === 'capacity_change' &&
    !figures.bedsLost &&
    !figures.bedsGained &&
    !figures.homeCareHoursLost &&
    !figures.homeCareHoursGained
  )
    add('bedsLost', 'Enter the beds or home care hours lost or gained')
}

function issuesOf(result: { success: boolean; error?: z.ZodError }): FieldError[] {
  return result.success || !result.error ? [] : ValidationError.fromZod(result.error).errors
}

// ---------------------------------------------------------------------------------------------
// Where an event happened

export interface PlaceLocation {
  id: number
  name: string
  postcode: string | null
  registeredBeds: number | null
  active: boolean
}

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

export type PlaceInput = {
  kind?: unknown
  locationId?: unknown
  providerId?: unknown
  occurredOn?: unknown
}

async function locationOf(db: Queryable, councilId: number, id: number) {
  const [row] = await db
    .select({
      id: providersLocationFacts.id,
      name: providersLocationFacts.name,
      postcode: providersLocationFacts.postcode,
      registeredBeds: providersLocationFacts.registeredBeds,
      active: providersLocationFacts.active,
      providerOrganisationId: providersLocationFacts.providerOrganisationId,
    })
    .from(providersLocationFacts)
    .where(and(eq(providersLocationFacts.councilId, councilId), eq(providersLocationFacts.id, id)))
  return row
}

async function providerOf(db: Queryable, councilId: number, id: number) {
  const [row] = await db
    .select({ id: providersOrganisationFacts.id, name: providersOrganisationFacts.name })
    .from(providersOrganisationFacts)
    .where(and(eq(providersOrganisationFacts.councilId, councilId), eq(providersOrganisationFacts.id, id)))
  return row
}

/**
 * The provider's locations that were registered on the date: active now, or made inactive by an
 * import on or after it.
 */
async function providerLocations(
  db: Queryable,
  councilId: number,
  providerId: number,
  on: string,
): Promise<PlaceLocation[]> {
  return db
    .select({
      id: providersLocationFacts.id,
      name: providersLocationFacts.name,
      postcode: providersLocationFacts.postcode,
      registeredBeds: providersLocationFacts.registeredBeds,
      active: providersLocationFacts.active,
    })
    .from(providersLocationFacts)
    .where(
      and(
        eq(providersLocationFacts.councilId, councilId),
        eq(providersLocationFacts.providerOrganisationId, providerId),
        sql`(${providersLocationFacts.active} or ${providersLocationFacts.deactivatedAt} >= ${on}::date)`,
      ),
    )
    .orderBy(asc(providersLocationFacts.name), asc(providersLocationFacts.id))
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

interface PackagesCounted {
  /** People with a package of care active at the locations on the date. */
  people: number
  /** Their home care, a week. */
  homeCareMinutes: number
}

/**
 * The people with a package active on the date at the given locations (or any location of the
 * provider): started by then and not ended before it. A person with two packages there counts once.
 */
async function countActivePackages(
  db: Queryable,
  councilId: number,
  where: { locationIds: number[] } | { providerOrganisationId: number },
  on: string,
): Promise<PackagesCounted> {
  const at =
    'providerOrganisationId' in where
      ? sql`k.provider_organisation_id = ${where.providerOrganisationId}`
      : where.locationIds.length === 0
        ? sql`false`
        : sql`k.location_id in (${sql.join(
            where.locationIds.map((id) => sql`${id}`),
            sql`, `,
          )})`
  const [row] = rowsOf<{ people: number; minutes: number }>(
    await db.execute(sql`
      select count(distinct k.person_id)::int as people,
        coalesce(sum(k.minutes_per_week) filter (where k.service_type = 'home_care'), 0)::int as minutes
      from brokerage_package_facts k
      where k.council_id = ${councilId} and ${at}
        and k.start_date <= ${on}::date
        and (k.end_date is null or k.end_date >= ${on}::date)`),
  )
  return { people: Number(row?.people ?? 0), homeCareMinutes: Number(row?.minutes ?? 0) }
}

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

export type MarketEventInput = PlaceInput & Partial<Record<FigureField | 'notes', unknown>>

function storedFigures(figures: Figures) {
  return {
    bedsLost: figures.bedsLost ?? 0,
    bedsGained: figures.bedsGained ?? 0,
    homeCareMinutesLost: figures.homeCareHoursLost ?? 0,
    homeCareMinutesGained: figures.homeCareHoursGained ?? 0,
    peopleAffected: figures.peopleAffected ?? 0,
    extraCostPence: figures.extraCost,
    notes: figures.notes ?? '',
  }
}

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

function auditDetails(row: MarketEventRow) {
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

export type MarketEventUpdate = Partial<Record<FigureField | 'notes' | 'occurredOn', unknown>>

const EDITABLE = [
  'occurredOn',
  'bedsLost',
  'bedsGained',
  'homeCareMinutesLost',
  'homeCareMinutesGained',
  'peopleAffected',
  'extraCostPence',
  'notes',
] as const

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

const withdrawSchema = z.object({
  reason: z
    .string({ error: 'Enter why the event is being withdrawn' })
    .trim()
    .min(1, { error: 'Enter why the event is being withdrawn' })
    .max(MAX_NOTES, { error: `The reason must be ${MAX_NOTES.toLocaleString('en-GB')} characters or fewer` }),
})

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

async function withdraw(db: Queryable, existing: MarketEventRow, reason: string, actor: Actor, now: Date) {
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

async function getEventRow(db: Queryable, councilId: number, eventId: number): Promise<MarketEventRow> {
  const [row] = await db
    .select()
    .from(marketEvents)
    .where(and(eq(marketEvents.councilId, councilId), eq(marketEvents.id, eventId)))
  if (!row) throw new NotFoundError('No such market event')
  return row
}

// ---------------------------------------------------------------------------------------------
// Reading events

export interface MarketEventView extends MarketEventRow {
  kind: MarketEventKind
  kindLabel: string
  failure: boolean
  providerName: string
  locationName: string | null
  postcode: string | null
  registeredBeds: number | null
  locality: string | null
  cqcImportFileName: string | null
}

function viewQuery(db: Queryable) {
  return db
    .select({
      event: marketEvents,
      providerName: providersOrganisationFacts.name,
      locationName: providersLocationFacts.name,
      postcode: providersLocationFacts.postcode,
      registeredBeds: providersLocationFacts.registeredBeds,
      locality: localities.name,
      cqcImportFileName: providersImportFacts.fileName,
    })
    .from(marketEvents)
    .innerJoin(
      providersOrganisationFacts,
      eq(providersOrganisationFacts.id, marketEvents.providerOrganisationId),
    )
    .leftJoin(providersLocationFacts, eq(providersLocationFacts.id, marketEvents.locationId))
    .leftJoin(localities, eq(localities.id, providersLocationFacts.localityId))
    .leftJoin(providersImportFacts, eq(providersImportFacts.id, marketEvents.cqcImportId))
}

function toView(row: Awaited<ReturnType<typeof viewQuery>>[number]): MarketEventView {
  const kind = row.event.kind as MarketEventKind
  return {
    ...row.event,
    kind,
    kindLabel: MARKET_EVENT_KIND_LABELS[kind],
    failure: isFailure(kind),
    providerName: row.providerName,
    locationName: row.locationName,
    postcode: row.postcode,
    registeredBeds: row.registeredBeds,
    locality: row.locality,
    cqcImportFileName: row.cqcImportFileName,
  }
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

const DEFAULT_YEARS = 1

/** A year to the date: the period Norfolk counts its failures over. */
export function yearBefore(to: string): string {
  const [year, month, day] = to.split('-') as [string, string, string]
  const sameDay = `${Number(year) - DEFAULT_YEARS}-${month}-${day === '29' && month === '02' ? '28' : day}`
  return addCalendarDays(sameDay, 1)
}

const dateText = (label: string) =>
  z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || (/^\d{4}-\d{2}-\d{2}$/.test(v) && isCalendarDate(v)), {
      message: `${label} must be a real date`,
    })

const periodSchema = z.object({ from: dateText('The start date'), to: dateText('The end date') })

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

// ---------------------------------------------------------------------------------------------
// Events from the CQC register

export interface RegisterEventContext {
  councilId: number
  importId: number
  fileName: string
  actor: Actor
  now?: Date
}

/**
 * The market events a CQC import finds, recorded in the import's own transaction, so a failed import
 * leaves none and a repeated one finds nothing new to record:
 * - a location new to a register that already had locations is an opening (the first import of a
 *   register is not a wave of openings);
 * - a location an import (--full) marks inactive is a deregistration, with its registered beds and
 *   the people with a package there that day, unless its latest event is already a failure (a
 *   closure or exit a commissioner recorded first);
 * - a location back on the register withdraws the deregistration an import recorded for it, if no
 *   one has edited that since; otherwise it is an opening;
 * - a change in registered beds is a change in capacity, unless a commissioner recorded one for the
 *   location since the last completed import.
 */
export class RegisterEvents {
  readonly counts = { recorded: 0, withdrawn: 0 }

  private constructor(
    private readonly db: Queryable,
    private readonly context: RegisterEventContext,
    /** Whether the register had any location before this import. */
    readonly registerHadLocations: boolean,
    private readonly lastImportAt: Date | null,
    private readonly today: string,
    private readonly now: Date,
  ) {}

  static async start(db: Queryable, context: RegisterEventContext): Promise<RegisterEvents> {
    const now = context.now ?? new Date()
    const [had] = await db
      .select({ id: providersLocationFacts.id })
      .from(providersLocationFacts)
      .where(eq(providersLocationFacts.councilId, context.councilId))
      .limit(1)
    const [last] = await db
      .select({ at: sql<Date | string | null>`max(${providersImportFacts.finishedAt})` })
      .from(providersImportFacts)
      .where(
        and(
          eq(providersImportFacts.councilId, context.councilId),
          eq(providersImportFacts.status, 'completed'),
        ),
      )
    const lastAt = last?.at ? new Date(last.at) : null
    return new RegisterEvents(db, context, had !== undefined, lastAt, londonDate(now), now)
  }

  /** After a batch of the file is written: its new, returning and resized providersLocationFacts. */
  async changed(
    changes: { locationId: number; providerOrganisationId: number; change: RegisterChange }[],
  ): Promise<void> {
    for (const { locationId, providerOrganisationId, change } of changes) {
      if (change.change === 'opened') {
        await this.insert({
          kind: 'opening',
          locationId,
          providerOrganisationId,
          bedsGained: change.registeredBeds ?? 0,
          notes: 'New on the CQC register.',
        })
      } else if (change.change === 'returned') {
        const latest = await this.latestEvent(locationId, providerOrganisationId)
        if (
          latest?.kind === 'deregistration' &&
          latest.source === 'cqc_import' &&
          latest.updatedAt === null &&
          latest.withdrawnAt === null
        ) {
          await withdraw(
            this.db,
            latest,
            `Back on the CQC register in import ${this.context.importId} (${this.context.fileName}).`,
            this.context.actor,
            this.now,
          )
          this.counts.withdrawn++
        } else {
          await this.insert({
            kind: 'opening',
            locationId,
            providerOrganisationId,
            bedsGained: change.registeredBeds ?? 0,
            notes: 'Back on the CQC register after being missing from it.',
          })
        }
      } else if (!(await this.recordedByHandSinceLastImport(locationId))) {
        await this.insert({
          kind: 'capacity_change',
          locationId,
          providerOrganisationId,
          bedsLost: Math.max(0, change.before - change.after),
          bedsGained: Math.max(0, change.after - change.before),
          notes: `Registered beds changed from ${change.before} to ${change.after} on the CQC register.`,
        })
      }
    }
  }

  /** After --full marks the locations missing from the file inactive. */
  async deregistered(
    rows: { locationId: number; providerOrganisationId: number; registeredBeds: number | null }[],
  ): Promise<void> {
    for (const row of rows) {
      const latest = await this.latestEvent(row.locationId, row.providerOrganisationId)
      if (latest && isFailure(latest.kind as MarketEventKind)) continue
      const counted = await countActivePackages(
        this.db,
        this.context.councilId,
        { locationIds: [row.locationId] },
        this.today,
      )
      await this.insert({
        kind: 'deregistration',
        locationId: row.locationId,
        providerOrganisationId: row.providerOrganisationId,
        bedsLost: row.registeredBeds ?? 0,
        homeCareMinutesLost: counted.homeCareMinutes,
        peopleAffected: counted.people,
        peopleCounted: counted.people,
        notes: 'Missing from the CQC register file of a full import.',
      })
    }
  }

  /** The location's latest event still standing: its own, or its provider's exit. */
  private async latestEvent(locationId: number, providerOrganisationId: number) {
    const [row] = await this.db
      .select()
      .from(marketEvents)
      .where(
        and(
          eq(marketEvents.councilId, this.context.councilId),
          isNull(marketEvents.withdrawnAt),
          sql`(${marketEvents.locationId} = ${locationId}
            or (${marketEvents.locationId} is null and ${marketEvents.providerOrganisationId} = ${providerOrganisationId}))`,
        ),
      )
      .orderBy(desc(marketEvents.occurredOn), desc(marketEvents.id))
      .limit(1)
    return row
  }

  private async recordedByHandSinceLastImport(locationId: number): Promise<boolean> {
    const [row] = await this.db
      .select({ id: marketEvents.id })
      .from(marketEvents)
      .where(
        and(
          eq(marketEvents.councilId, this.context.councilId),
          eq(marketEvents.locationId, locationId),
          eq(marketEvents.kind, 'capacity_change'),
          eq(marketEvents.source, 'manual'),
          isNull(marketEvents.withdrawnAt),
          this.lastImportAt ? gte(marketEvents.recordedAt, this.lastImportAt) : undefined,
        ),
      )
      .limit(1)
    return row !== undefined
  }

  private async insert(
    values: Pick<MarketEventRow, 'kind' | 'locationId' | 'providerOrganisationId' | 'notes'> &
      Partial<
        Pick<
          MarketEventRow,
          'bedsLost' | 'bedsGained' | 'homeCareMinutesLost' | 'peopleAffected' | 'peopleCounted'
        >
      >,
  ): Promise<void> {
    const { councilId, importId, fileName, actor } = this.context
    // Nothing on conflict: a file listing a location twice must not fail the import.
    const [row] = await this.db
      .insert(marketEvents)
      .values({
        councilId,
        occurredOn: this.today,
        ...values,
        notes: `${values.notes} Recorded by CQC import ${importId} (${fileName}).`,
        source: 'cqc_import',
        cqcImportId: importId,
        recordedAt: this.now,
        recordedBy: actorName(actor),
      })
      .onConflictDoNothing()
      .returning()
    if (!row) return
    this.counts.recorded++
    await recordAudit(this.db, actor, {
      councilId,
      action: 'market_event.recorded',
      entityType: 'market_event',
      entityId: row.id,
      details: auditDetails(row),
    })
  }
}

/** Rows of a raw query, whichever driver ran it (both return { rows }). */
function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows
}
