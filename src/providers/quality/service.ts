import { z } from 'zod'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Queryable } from '../../db/connection.ts'
import { ConflictError, type FieldError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { exampleDate, formatDate, isCalendarDate, londonDate } from '../../shared/dates.ts'
import { getLocation, type RegisterScope } from '../service.ts'
import {
  CQC_RATINGS,
  type CqcRating,
  KEY_QUESTION_LABELS,
  KEY_QUESTIONS,
  type KeyQuestion,
  RESTRICTION_KINDS,
  type RestrictionKind,
} from '../vocabulary.ts'
import {
  type AccreditationFacts,
  accreditationStanding,
  type DatedRating,
  describeRestriction,
  type EffectiveRating,
  effectiveFrom,
  effectiveRating,
  effectiveRatingOfAccredited,
  isInForce,
  latestCqc,
  PAMMS_RATINGS,
  pammsToCqc,
  type RatingEntry,
  type RegisterCqcColumns,
  type RestrictionSummary,
  ratingHistoryOf,
  restrictionStatus,
  type Sector,
  sectorOf,
  summariseRestrictions,
} from './rules.ts'
import {
  accreditationsOfLocations,
  activeRegisterCounts,
  asRestriction,
  correctRating,
  countLocationsInCouncil,
  insertRatings,
  insertRestriction,
  keyQuestionRatingRows,
  type LocationRating,
  latestRatings,
  markLifted,
  type Restriction,
  type RestrictionRow,
  ratingsOfLocation,
  restrictionById,
  restrictionsAtActiveLocations,
  restrictionsCovering,
  restrictionsOfLocation,
  storedCqcRatings,
  upsertKeyQuestionRatings,
} from './store.ts'

export type { LocationRating, RatingEntry, Restriction }

/** Today's date in England, which is what "today" means for ratings and restrictions. */
export function todayInLondon(): string {
  return londonDate(new Date())
}

function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

type DateOptions = { optional?: boolean; notAfterToday?: boolean }

/** Checks a 'YYYY-MM-DD' date: empty is "missing" (or null when optional), anything not a real date is "invalid". */
function checkDate(what: string, options: DateOptions) {
  return (value: string | null | undefined, ctx: z.RefinementCtx): string | null => {
    const trimmed = (value ?? '').trim()
    if (trimmed === '') {
      if (options.optional) return null
      ctx.addIssue({ code: 'custom', message: `Enter ${what}` })
      return z.NEVER
    }
    if (!isCalendarDate(trimmed)) {
      ctx.addIssue({
        code: 'custom',
        message: `${capitalise(what)} must be a real date, like ${exampleDate(options.notAfterToday ? -60 : 14)}`,
      })
      return z.NEVER
    }
    if (options.notAfterToday && trimmed > todayInLondon()) {
      ctx.addIssue({ code: 'custom', message: `${capitalise(what)} must be today or in the past` })
      return z.NEVER
    }
    return trimmed
  }
}

const dateInput = (what: string) => z.string({ error: `Enter ${what}` }).nullish()

function requiredDate(what: string, options: Omit<DateOptions, 'optional'> = {}) {
  const check = checkDate(what, options)
  return dateInput(what).transform((value, ctx) => check(value, ctx) as string)
}

function optionalDate(what: string) {
  return dateInput(what).transform(checkDate(what, { optional: true }))
}

function capitalise(text: string): string {
  const withoutArticle = text.replace(/^the /, '')
  return `The ${withoutArticle}`
}

function requiredText(missing: string, tooLong: string, max: number) {
  return z.string({ error: missing }).trim().min(1, { error: missing }).max(max, { error: tooLong })
}

// ---------------------------------------------------------------------------------------------
// Ratings

const cqcRatingSchema = z.object({
  rating: z.enum(CQC_RATINGS, { error: `The CQC rating must be one of: ${CQC_RATINGS.join(', ')}` }),
  ratedOn: requiredDate('the date of the CQC rating'),
})

export interface CqcRatingEntry {
  locationId: number
  rating: CqcRating
  /** 'YYYY-MM-DD': the date CQC published the rating. */
  ratedOn: string
}

export interface CqcRatingsResult {
  added: number
  unchanged: number
  /** CQC republished a different rating for a date already on record; the stored one is replaced. */
  corrected: number
}

/**
 * Keeps a CQC rating in the location's history. Recording the same rating for the same date
 * again changes nothing, so every import may call it for every row. It touches nothing but the
 * history: the location's own latest-rating columns belong to the import. Not audited row by row:
 * the import's own audit entry covers them, and recordedBy names the actor.
 */
export async function recordCqcRating(
  db: Queryable,
  councilId: number,
  locationId: number,
  rating: CqcRating,
  ratedOn: string,
  actor: Actor,
): Promise<'added' | 'unchanged' | 'corrected'> {
  const result = await recordCqcRatings(db, councilId, [{ locationId, rating, ratedOn }], actor)
  if (result.added) return 'added'
  return result.corrected ? 'corrected' : 'unchanged'
}

// Keeps each statement well under PostgreSQL's limit of 65,535 parameters.
const RATINGS_PER_STATEMENT = 1000

/** recordCqcRating for many locations at once: a few statements per thousand entries. */
export async function recordCqcRatings(
  db: Queryable,
  councilId: number,
  entries: readonly CqcRatingEntry[],
  actor: Actor,
): Promise<CqcRatingsResult> {
  const result: CqcRatingsResult = { added: 0, unchanged: 0, corrected: 0 }
  for (let start = 0; start < entries.length; start += RATINGS_PER_STATEMENT) {
    const chunk = await recordCqcRatingsChunk(
      db,
      councilId,
      entries.slice(start, start + RATINGS_PER_STATEMENT),
      actor,
    )
    result.added += chunk.added
    result.unchanged += chunk.unchanged
    result.corrected += chunk.corrected
  }
  return result
}

export interface KeyQuestionRatingEntry {
  locationId: number
  keyQuestion: KeyQuestion
  rating: CqcRating
  /** 'YYYY-MM-DD': the date CQC published it. */
  ratedOn: string
}

const keyQuestionRatingSchema = cqcRatingSchema.extend({
  keyQuestion: z.enum(KEY_QUESTIONS, {
    error: `The key question must be one of: ${KEY_QUESTIONS.join(', ')}`,
  }),
})

/**
 * Keeps CQC's key-question ratings in each location's history, as recordCqcRatings keeps the
 * overall one: the same rating for the same key question and date again changes nothing; a
 * different one replaces it (CQC corrected it). Returns how many were added or corrected.
 */
export async function recordKeyQuestionRatings(
  db: Queryable,
  councilId: number,
  entries: readonly KeyQuestionRatingEntry[],
  actor: Actor,
): Promise<number> {
  let changed = 0
  for (let start = 0; start < entries.length; start += RATINGS_PER_STATEMENT) {
    // The last entry for a location, key question and date wins; one statement may not touch a row twice.
    const wanted = new Map<string, KeyQuestionRatingEntry>()
    for (const entry of entries.slice(start, start + RATINGS_PER_STATEMENT)) {
      const parsed = parseInput(keyQuestionRatingSchema, entry)
      wanted.set(`${entry.locationId}|${parsed.keyQuestion}|${parsed.ratedOn}`, { ...entry, ...parsed })
    }
    const locationIds = [...new Set([...wanted.values()].map((e) => e.locationId))]
    if ((await countLocationsInCouncil(db, councilId, locationIds)) !== locationIds.length) {
      throw new NotFoundError('No such location')
    }
    const rows = await upsertKeyQuestionRatings(db, councilId, actorName(actor), [...wanted.values()])
    changed += rows.length
  }
  return changed
}

interface KeyQuestionView {
  keyQuestion: KeyQuestion
  label: string
  rating: CqcRating
  ratedOn: string
}

/** The latest CQC rating of each key question CQC has rated at the location, in CQC's order. */
async function latestKeyQuestionRatings(
  db: Queryable,
  location: { id: number; councilId: number },
): Promise<KeyQuestionView[]> {
  const rows = await keyQuestionRatingRows(db, location.councilId, location.id)
  const latest = new Map<string, (typeof rows)[number]>()
  for (const row of rows) {
    const seen = latest.get(row.keyQuestion)
    if (!seen || row.ratedOn > seen.ratedOn) latest.set(row.keyQuestion, row)
  }
  return KEY_QUESTIONS.flatMap((keyQuestion) => {
    const row = latest.get(keyQuestion)
    return row
      ? [
          {
            keyQuestion,
            label: KEY_QUESTION_LABELS[keyQuestion],
            rating: row.rating as CqcRating,
            ratedOn: row.ratedOn,
          },
        ]
      : []
  })
}

async function recordCqcRatingsChunk(
  db: Queryable,
  councilId: number,
  entries: readonly CqcRatingEntry[],
  actor: Actor,
): Promise<CqcRatingsResult> {
  const result: CqcRatingsResult = { added: 0, unchanged: 0, corrected: 0 }
  // The last entry for a location and date wins, as it would one call at a time.
  const wanted = new Map<string, CqcRatingEntry>()
  for (const entry of entries) {
    const parsed = parseInput(cqcRatingSchema, entry)
    wanted.set(`${entry.locationId}|${parsed.ratedOn}`, { ...entry, ...parsed })
  }
  const locationIds = [...new Set(entries.map((e) => e.locationId))]
  if ((await countLocationsInCouncil(db, councilId, locationIds)) !== locationIds.length) {
    throw new NotFoundError('No such location')
  }
  const stored = await storedCqcRatings(
    db,
    councilId,
    locationIds,
    [...wanted.values()].map((e) => e.ratedOn),
  )
  const storedByKey = new Map(stored.map((r) => [`${r.locationId}|${r.ratedOn}`, r]))
  const recordedBy = actorName(actor)
  const additions = []
  for (const [key, entry] of wanted) {
    const existing = storedByKey.get(key)
    if (!existing) {
      additions.push({
        councilId,
        locationId: entry.locationId,
        source: 'cqc' as const,
        rating: entry.rating,
        ratedOn: entry.ratedOn,
        recordedBy,
      })
    } else if (existing.rating === entry.rating) {
      result.unchanged++
    } else {
      await correctRating(db, existing.id, entry.rating, recordedBy)
      result.corrected++
    }
  }
  if (additions.length > 0) {
    // A concurrent import may have added the same row meanwhile; it is then the same rating.
    const inserted = await insertRatings(db, additions)
    result.added += inserted.length
    result.unchanged += additions.length - inserted.length
  }
  return result
}

const pammsAuditSchema = z.object({
  rating: z.enum(PAMMS_RATINGS, {
    error: `Choose the audit’s overall rating: ${PAMMS_RATINGS.join(', ')}`,
  }),
  ratedOn: requiredDate('the date of the audit', { notAfterToday: true }),
  reference: requiredText(
    'Enter the audit reference',
    'The audit reference must be 100 characters or fewer',
    100,
  ),
})

export type PammsAuditInput = z.input<typeof pammsAuditSchema>

/**
 * Records a council quality audit (PAMMS). Its rating is given in PAMMS's words (Excellent, Good,
 * Requires improvement, Poor) and stored on the CQC scale, so that it competes with CQC's ratings
 * for the effective rating.
 */
export async function recordPammsAudit(
  db: Queryable,
  councilId: number,
  locationId: number,
  input: PammsAuditInput,
  actor: Actor,
): Promise<LocationRating> {
  const audit = parseInput(pammsAuditSchema, input)
  await getLocation(db, { councilId }, locationId)
  return db.transaction(async (tx) => {
    const [row] = await insertRatings(tx, [
      {
        councilId,
        locationId,
        source: 'pamms',
        rating: pammsToCqc(audit.rating),
        ratedOn: audit.ratedOn,
        reference: audit.reference,
        recordedBy: actorName(actor),
      },
    ])
    if (!row) {
      throw new ConflictError(
        `A PAMMS audit dated ${formatDate(audit.ratedOn)} is already recorded for this location`,
      )
    }
    await recordAudit(tx, actor, {
      councilId,
      action: 'pamms_audit.recorded',
      entityType: 'location',
      entityId: locationId,
      details: { ratingId: row.id, rating: audit.rating, ratedOn: audit.ratedOn, reference: audit.reference },
    })
    return row
  })
}

/** Every CQC rating and PAMMS audit of a location in the caller's scope, newest first. */
export async function ratingHistory(
  db: Queryable,
  scope: RegisterScope,
  locationId: number,
): Promise<RatingEntry[]> {
  const location = await getLocation(db, scope, locationId)
  return historyOf(db, location)
}

async function historyOf(
  db: Queryable,
  location: RegisterCqcColumns & { id: number; councilId: number },
): Promise<RatingEntry[]> {
  return ratingHistoryOf(location, await ratingsOfLocation(db, location.councilId, location.id))
}

/**
 * The effective rating of each location of the council (the more recent of CQC and PAMMS), in
 * one query. Locations outside the council are left out of the map.
 */
export async function effectiveRatings(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
  today: string = todayInLondon(),
): Promise<Map<number, EffectiveRating>> {
  const result = new Map<number, EffectiveRating>()
  if (locationIds.length === 0) return result
  const rows = await latestRatings(db, councilId, locationIds)
  const accredited = rows.filter((r) => r.regulator === 'council').map((r) => r.id)
  const accreditations = await accreditationsByLocation(db, councilId, accredited)
  for (const row of rows) {
    if (row.regulator === 'council') {
      const pamms: DatedRating | null = row.pammsRating
        ? { rating: row.pammsRating as CqcRating, ratedOn: row.pammsOn }
        : null
      const standing = accreditationStanding(accreditations.get(row.id) ?? [], today)
      result.set(row.id, effectiveRatingOfAccredited(standing, pamms))
      continue
    }
    const history: DatedRating | null = row.historyCqcRating
      ? { rating: row.historyCqcRating as CqcRating, ratedOn: row.historyCqcOn }
      : null
    const register: DatedRating | null = row.cqcRating
      ? { rating: row.cqcRating as CqcRating, ratedOn: row.cqcRatingDate }
      : null
    const pamms: DatedRating | null = row.pammsRating
      ? { rating: row.pammsRating as CqcRating, ratedOn: row.pammsOn }
      : null
    result.set(row.id, effectiveRating(latestCqc(history, register), pamms))
  }
  return result
}

async function accreditationsByLocation(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
): Promise<Map<number, AccreditationFacts[]>> {
  const result = new Map<number, AccreditationFacts[]>()
  if (locationIds.length === 0) return result
  for (const { locationId, ...facts } of await accreditationsOfLocations(db, councilId, locationIds)) {
    result.set(locationId, [...(result.get(locationId) ?? []), facts])
  }
  return result
}

// ---------------------------------------------------------------------------------------------
// Restrictions

const LIMIT_MESSAGE = 'The monthly limit must be a whole number from 1 to 100'

const restrictionFields = z.object({
  kind: z.enum(RESTRICTION_KINDS, { error: 'Choose the type of restriction' }),
  monthlyLimit: z
    .union([z.string(), z.number()], { error: LIMIT_MESSAGE })
    .nullish()
    .transform((value, ctx) => {
      const text = typeof value === 'string' ? value.trim() : value
      if (text === undefined || text === null || text === '') return null
      const limit = typeof text === 'string' ? (/^\d+$/.test(text) ? Number(text) : Number.NaN) : text
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        ctx.addIssue({ code: 'custom', message: LIMIT_MESSAGE })
        return z.NEVER
      }
      return limit
    }),
  startsOn: requiredDate('the date the restriction starts'),
  endsOn: optionalDate('the date the restriction ends'),
  reason: requiredText(
    'Enter the reason for the restriction',
    'The reason must be 2,000 characters or fewer',
    2000,
  ),
})

export type RestrictionInput = z.input<typeof restrictionFields>
type ValidRestriction = z.output<typeof restrictionFields>

/**
 * Checks each field on its own, then the rules between fields wherever both fields are valid, so
 * that a form shows every problem at once.
 */
function parseRestriction(input: RestrictionInput): ValidRestriction {
  const errors: FieldError[] = []
  const valid: Partial<ValidRestriction> = {}
  const raw = (input ?? {}) as Record<string, unknown>
  for (const [name, schema] of Object.entries(restrictionFields.shape)) {
    const result = schema.safeParse(raw[name])
    if (result.success) (valid as Record<string, unknown>)[name] = result.data
    else errors.push({ field: name, message: result.error.issues[0]?.message ?? 'Invalid' })
  }
  const { kind, monthlyLimit, startsOn, endsOn } = valid
  if (kind === 'placement_limit' && monthlyLimit === null) {
    errors.push({ field: 'monthlyLimit', message: 'Enter how many placements a month are allowed' })
  }
  if (kind !== undefined && kind !== 'placement_limit' && typeof monthlyLimit === 'number') {
    errors.push({
      field: 'monthlyLimit',
      message: 'Leave the monthly limit empty unless the restriction limits placements per month',
    })
  }
  if (startsOn && endsOn && endsOn < startsOn) {
    errors.push({ field: 'endsOn', message: 'The end date must be the same as or after the start date' })
  }
  if (errors.length > 0) throw new ValidationError(errors)
  return valid as ValidRestriction
}

/** Places a restriction on a location; the end date is the last day it applies, or empty for no end. */
export async function placeRestriction(
  db: Queryable,
  councilId: number,
  locationId: number,
  input: RestrictionInput,
  actor: Actor,
): Promise<Restriction> {
  const restriction = parseRestriction(input)
  await getLocation(db, { councilId }, locationId)
  return db.transaction(async (tx) => {
    const row = await insertRestriction(tx, {
      councilId,
      locationId,
      ...restriction,
      createdBy: actorName(actor),
    })
    if (!row) throw new Error('restriction not stored')
    await recordAudit(tx, actor, {
      councilId,
      action: 'restriction.placed',
      entityType: 'restriction',
      entityId: row.id,
      details: { locationId, ...restriction },
    })
    return asRestriction(row)
  })
}

const liftSchema = z.object({
  reason: requiredText(
    'Enter the reason for lifting the restriction',
    'The reason must be 2,000 characters or fewer',
    2000,
  ),
})

export type LiftInput = z.input<typeof liftSchema>

/** Lifts a restriction from now on. A restriction is lifted once; lifting it again is a conflict. */
export async function liftRestriction(
  db: Queryable,
  councilId: number,
  locationId: number,
  restrictionId: number,
  input: LiftInput,
  actor: Actor,
): Promise<Restriction> {
  const { reason } = parseInput(liftSchema, input)
  return db.transaction(async (tx) => {
    const existing = await getRestriction(tx, { councilId }, locationId, restrictionId)
    const row = await markLifted(tx, existing.id, { liftedBy: actorName(actor), liftReason: reason })
    if (!row)
      throw new ConflictError(
        `This restriction was already lifted${existing.liftedBy ? ` by ${existing.liftedBy}` : ''}`,
      )
    await recordAudit(tx, actor, {
      councilId,
      action: 'restriction.lifted',
      entityType: 'restriction',
      entityId: row.id,
      details: { locationId, kind: row.kind, reason },
    })
    return asRestriction(row)
  })
}

/** One restriction of a location in the caller's scope, or NotFoundError. */
export async function getRestriction(
  db: Queryable,
  scope: RegisterScope,
  locationId: number,
  restrictionId: number,
): Promise<Restriction> {
  await getLocation(db, scope, locationId)
  const row = await restrictionById(db, scope.councilId, locationId, restrictionId)
  if (!row) throw new NotFoundError('No such restriction')
  return asRestriction(row)
}

/**
 * The restrictions in force on a date for each of the given locations of the council, in one
 * query. Every location asked about is in the map; those without restrictions map to [].
 */
export async function activeRestrictions(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
  onDate: string,
): Promise<Map<number, Restriction[]>> {
  const result = new Map<number, Restriction[]>(locationIds.map((id) => [id, []]))
  if (locationIds.length === 0) return result
  for (const row of await restrictionsCovering(db, councilId, locationIds, onDate)) {
    const restriction = asRestriction(row)
    if (isInForce(restriction, onDate)) result.get(row.locationId)?.push(restriction)
  }
  return result
}

export interface RestrictionView {
  id: number
  locationId: number
  kind: RestrictionKind
  description: string
  monthlyLimit: number | null
  startsOn: string
  endsOn: string | null
  reason: string
  status: 'scheduled' | 'in_force' | 'lifted' | 'ended'
  createdBy: string
  createdAt: Date
  liftedAt: Date | null
  liftedBy: string | null
  liftReason: string | null
}

export function viewRestriction(row: RestrictionRow | Restriction, today: string): RestrictionView {
  const facts = asRestriction(row)
  return {
    id: row.id,
    locationId: row.locationId,
    kind: facts.kind,
    description: describeRestriction(facts),
    monthlyLimit: row.monthlyLimit,
    startsOn: row.startsOn,
    endsOn: row.endsOn,
    reason: row.reason,
    status: restrictionStatus(facts, today),
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    liftedAt: row.liftedAt,
    liftedBy: row.liftedBy,
    liftReason: row.liftReason,
  }
}

export interface LocationQuality {
  /** The date the restrictions were judged on. */
  today: string
  effective: EffectiveRating
  /** CQC ratings and PAMMS audits together, newest first. */
  history: RatingEntry[]
  /** The latest CQC rating of each key question, where CQC has given one. */
  keyQuestions: KeyQuestionView[]
  /** In force now or starting later, soonest ending first. */
  currentRestrictions: RestrictionView[]
  /** Lifted or ended, most recent first. */
  pastRestrictions: RestrictionView[]
}

/** Everything the location page and API show about quality, for a location in the caller's scope. */
export async function locationQuality(
  db: Queryable,
  scope: RegisterScope,
  locationId: number,
  today: string = todayInLondon(),
): Promise<LocationQuality> {
  const location = await getLocation(db, scope, locationId)
  const history = await historyOf(db, location)
  const rows = await restrictionsOfLocation(db, location.councilId, location.id)
  const views = rows.map((row) => viewRestriction(row, today))
  const effective =
    location.regulator === 'council'
      ? (await effectiveRatings(db, location.councilId, [location.id], today)).get(location.id)
      : undefined
  return {
    today,
    effective: effective ?? effectiveFrom(history),
    history,
    keyQuestions: await latestKeyQuestionRatings(db, location),
    currentRestrictions: views.filter((r) => r.status === 'in_force' || r.status === 'scheduled'),
    pastRestrictions: views.filter((r) => r.status === 'lifted' || r.status === 'ended'),
  }
}

export interface RegisterRestriction extends RestrictionView {
  locationName: string
  providerName: string
  sector: Sector
  registeredBeds: number | null
}

/**
 * The council's restrictions in force on a date at active locations, with the summary the
 * Market Position Statement reports: restricted services and beds by sector, against the live register.
 */
export async function restrictionRegister(
  db: Queryable,
  councilId: number,
  onDate: string = todayInLondon(),
): Promise<{ onDate: string; restrictions: RegisterRestriction[]; summary: RestrictionSummary }> {
  const register = await activeRegisterCounts(db, councilId)
  const rows = await restrictionsAtActiveLocations(db, councilId, onDate)
  const inForce = rows.filter((r) => isInForce(asRestriction(r.restriction), onDate))
  const byLocation = new Map<
    number,
    { serviceTypes: string[]; registeredBeds: number | null; kinds: RestrictionKind[] }
  >()
  for (const r of inForce) {
    const entry = byLocation.get(r.restriction.locationId) ?? {
      serviceTypes: r.serviceTypes,
      registeredBeds: r.registeredBeds,
      kinds: [],
    }
    entry.kinds.push(r.restriction.kind as RestrictionKind)
    byLocation.set(r.restriction.locationId, entry)
  }
  return {
    onDate,
    restrictions: inForce.map((r) => ({
      ...viewRestriction(r.restriction, onDate),
      locationName: r.locationName,
      providerName: r.providerName,
      sector: sectorOf(r.serviceTypes),
      registeredBeds: r.registeredBeds,
    })),
    summary: summariseRestrictions(
      register,
      [...byLocation].map(([locationId, l]) => ({ locationId, ...l })),
    ),
  }
}
