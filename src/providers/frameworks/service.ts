import { and, asc, count, eq, inArray, lte } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ConflictError, type FieldError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { londonDate } from '../../shared/dates.ts'
import { recordId } from '../../storable.ts'
import {
  frameworkLots,
  locations,
  lotMembershipEvents,
  lotMemberships,
  providerOrganisations,
} from '../schema.ts'
import { getLocation, listLocations } from '../service.ts'
import {
  LOT_STATUSES,
  type LotStatus,
  SERVICE_TYPE_LABELS,
  SERVICE_TYPES,
  type ServiceType,
} from '../vocabulary.ts'
import {
  applicationWindow,
  DECISIONS,
  type Decision,
  decisionOutcome,
  earliestEffectiveDate,
  LOT_STATUS_LABELS,
  MAX_QUESTIONS,
  mayApply,
  type Outcome,
  PROCUREMENTS,
  type Procurement,
  reasonRequired,
  statusOn,
} from './rules.ts'

interface LotQuestion {
  id: string
  text: string
}

export interface Lot {
  id: number
  councilId: number
  name: string
  procurement: Procurement
  serviceType: ServiceType | null
  description: string
  questions: LotQuestion[]
  opensOn: string
  closesOn: string | null
  createdAt: Date
}

export type LotCounts = Record<LotStatus, number>

export interface MembershipEvent {
  id: number
  status: LotStatus
  effectiveOn: string
  reason: string | null
  actor: string
  at: Date
}

export interface Membership {
  id: number
  lotId: number
  locationId: number
  locationName: string
  providerOrganisationId: number
  providerName: string
  status: LotStatus
  answers: Record<string, string>
  /** When the current status took effect, and the reason given for it. */
  since: string
  reason: string | null
}

/** A provider user acts for one organisation in one council. */
export interface ProviderScope {
  councilId: number
  providerOrganisationId: number
}

export interface Clock {
  /** 'YYYY-MM-DD'; defaults to today in England. */
  today?: string
}

const MAX_ANSWER_LENGTH = 5000
const MAX_REASON_LENGTH = 2000
// Far more than any provider has in one council's area; the apply form lists them all on one page.
const MAX_PROVIDER_LOCATIONS = 1000

const isoDate = (message: string) => z.iso.date({ error: message })

const newLotSchema = z
  .object({
    name: z
      .string({ error: 'Enter a name for the lot' })
      .trim()
      .min(1, 'Enter a name for the lot')
      .max(200, 'Name must be 200 characters or fewer'),
    procurement: z.enum(PROCUREMENTS, { error: 'Choose a framework or a dynamic purchasing system' }),
    serviceType: z.enum(SERVICE_TYPES, { error: 'Choose a service type from the list' }).nullish(),
    description: z.string().trim().max(2000, 'Description must be 2,000 characters or fewer').default(''),
    questions: z
      .array(
        z
          .string()
          .trim()
          .min(1, 'A question cannot be empty')
          .max(500, 'Each question must be 500 characters or fewer'),
        {
          error: 'Enter at least one question',
        },
      )
      .min(1, 'Enter at least one question')
      .max(MAX_QUESTIONS, `Enter no more than ${MAX_QUESTIONS} questions`),
    opensOn: isoDate('Enter the date applications open'),
    closesOn: isoDate('Enter the date applications close').nullish(),
  })
  .superRefine((lot, ctx) => {
    if (lot.procurement === 'framework' && !lot.closesOn)
      ctx.addIssue({ code: 'custom', path: ['closesOn'], message: 'Enter the date applications close' })
    if (lot.procurement === 'dps' && lot.closesOn)
      ctx.addIssue({
        code: 'custom',
        path: ['closesOn'],
        message: 'A dynamic purchasing system is always open: leave the closing date empty',
      })
    if (lot.closesOn && lot.closesOn < lot.opensOn)
      ctx.addIssue({
        code: 'custom',
        path: ['closesOn'],
        message: 'The closing date must be on or after the opening date',
      })
  })

export type NewLot = z.input<typeof newLotSchema>

const applicationSchema = z.object({
  locationId: recordId('Location', { message: 'Choose a location' }),
  answers: z.record(z.string(), z.unknown()).default({}),
})

const answersSchema = z.record(z.string(), z.string())

export type Application = z.input<typeof applicationSchema>

const decisionSchema = z.object({
  decision: z.enum(DECISIONS, { error: 'Choose a decision' }),
  reason: z.string().trim().max(MAX_REASON_LENGTH, 'Reason must be 2,000 characters or fewer').default(''),
  effectiveOn: isoDate('Enter the date the decision takes effect').optional(),
  /** The status the commissioner saw; if it has changed since, someone else decided first. */
  expectedStatus: z.enum(LOT_STATUSES).optional(),
})

export type DecisionInput = z.input<typeof decisionSchema>

export const onDateSchema = z.object({ on: isoDate('Enter a date') })

function actorLabel(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

function toLot(row: typeof frameworkLots.$inferSelect): Lot {
  return {
    ...row,
    procurement: row.procurement as Procurement,
    serviceType: row.serviceType as ServiceType | null,
  }
}

export async function createLot(db: Database, councilId: number, input: NewLot, actor: Actor): Promise<Lot> {
  const value = parseInput(newLotSchema, input)
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(frameworkLots)
      .values({
        councilId,
        name: value.name,
        procurement: value.procurement,
        serviceType: value.serviceType ?? null,
        description: value.description,
        questions: value.questions.map((text, index) => ({ id: `q${index + 1}`, text })),
        opensOn: value.opensOn,
        closesOn: value.closesOn ?? null,
      })
      .onConflictDoNothing()
      .returning()
    if (!created) throw new ConflictError(`A lot called “${value.name}” already exists`)
    await recordAudit(tx, actor, {
      councilId,
      action: 'framework_lot.created',
      entityType: 'framework_lot',
      entityId: created.id,
      details: { name: created.name, procurement: created.procurement, serviceType: created.serviceType },
    })
    return toLot(created)
  })
}

export async function getLot(db: Queryable, councilId: number, lotId: number): Promise<Lot> {
  const [row] = await db
    .select()
    .from(frameworkLots)
    .where(and(eq(frameworkLots.councilId, councilId), eq(frameworkLots.id, lotId)))
  if (!row) throw new NotFoundError('No such framework lot')
  return toLot(row)
}

/** The council's lots, each with how many memberships are in each status now. */
export async function listLots(db: Queryable, councilId: number): Promise<(Lot & { counts: LotCounts })[]> {
  const lots = await db
    .select()
    .from(frameworkLots)
    .where(eq(frameworkLots.councilId, councilId))
    .orderBy(asc(frameworkLots.name))
  const tallies = await db
    .select({ lotId: lotMemberships.lotId, status: lotMemberships.status, total: count() })
    .from(lotMemberships)
    .where(eq(lotMemberships.councilId, councilId))
    .groupBy(lotMemberships.lotId, lotMemberships.status)
  return lots.map((row) => {
    const counts = Object.fromEntries(LOT_STATUSES.map((s) => [s, 0])) as LotCounts
    for (const tally of tallies) if (tally.lotId === row.id) counts[tally.status as LotStatus] = tally.total
    return { ...toLot(row), counts }
  })
}

/** Lots taking applications on the day: frameworks within their window, DPS lots once open. */
export async function listOpenLots(db: Queryable, councilId: number, clock: Clock = {}): Promise<Lot[]> {
  const today = clock.today ?? londonDate(new Date())
  const lots = await db
    .select()
    .from(frameworkLots)
    .where(and(eq(frameworkLots.councilId, councilId), lte(frameworkLots.opensOn, today)))
    .orderBy(asc(frameworkLots.name))
  return lots.map(toLot).filter((lot) => applicationWindow(lot, today).ok)
}

const membershipColumns = {
  membership: lotMemberships,
  locationName: locations.name,
  providerOrganisationId: locations.providerOrganisationId,
  providerName: providerOrganisations.name,
}

type MembershipRow = {
  membership: typeof lotMemberships.$inferSelect
  locationName: string
  providerOrganisationId: number
  providerName: string
}

async function eventsOf(db: Queryable, membershipIds: number[]): Promise<Map<number, MembershipEvent[]>> {
  const byMembership = new Map<number, MembershipEvent[]>()
  if (membershipIds.length === 0) return byMembership
  const rows = await db
    .select()
    .from(lotMembershipEvents)
    .where(inArray(lotMembershipEvents.membershipId, membershipIds))
    .orderBy(asc(lotMembershipEvents.id))
  for (const row of rows) {
    const list = byMembership.get(row.membershipId) ?? []
    list.push({ ...row, status: row.status as LotStatus })
    byMembership.set(row.membershipId, list)
  }
  return byMembership
}

function toMembership(row: MembershipRow, events: MembershipEvent[]): Membership {
  const latest = events.at(-1)
  return {
    id: row.membership.id,
    lotId: row.membership.lotId,
    locationId: row.membership.locationId,
    locationName: row.locationName,
    providerOrganisationId: row.providerOrganisationId,
    providerName: row.providerName,
    status: row.membership.status as LotStatus,
    answers: row.membership.answers,
    since: latest?.effectiveOn ?? '',
    reason: latest?.reason ?? null,
  }
}

async function selectMemberships(db: Queryable, where: ReturnType<typeof and>): Promise<Membership[]> {
  const rows = await db
    .select(membershipColumns)
    .from(lotMemberships)
    .innerJoin(locations, eq(locations.id, lotMemberships.locationId))
    .innerJoin(providerOrganisations, eq(providerOrganisations.id, locations.providerOrganisationId))
    .where(where)
    .orderBy(asc(locations.name), asc(lotMemberships.id))
  const events = await eventsOf(
    db,
    rows.map((r) => r.membership.id),
  )
  return rows.map((row) => toMembership(row, events.get(row.membership.id) ?? []))
}

/** Every membership of a lot, whatever its status. */
export async function listMemberships(
  db: Queryable,
  councilId: number,
  lotId: number,
): Promise<Membership[]> {
  await getLot(db, councilId, lotId)
  return selectMemberships(db, and(eq(lotMemberships.councilId, councilId), eq(lotMemberships.lotId, lotId)))
}

/** One membership of a lot with its full history; NotFoundError outside the council or the lot. */
export async function getMembership(
  db: Queryable,
  councilId: number,
  lotId: number,
  membershipId: number,
): Promise<Membership & { history: MembershipEvent[] }> {
  const [membership] = await selectMemberships(
    db,
    and(
      eq(lotMemberships.councilId, councilId),
      eq(lotMemberships.lotId, lotId),
      eq(lotMemberships.id, membershipId),
    ),
  )
  if (!membership) throw new NotFoundError('No such membership of this lot')
  return { ...membership, history: await membershipHistory(db, councilId, membershipId) }
}

/** A membership's status changes in the order they were recorded. */
export async function membershipHistory(
  db: Queryable,
  councilId: number,
  membershipId: number,
): Promise<MembershipEvent[]> {
  const [membership] = await db
    .select({ id: lotMemberships.id })
    .from(lotMemberships)
    .where(and(eq(lotMemberships.councilId, councilId), eq(lotMemberships.id, membershipId)))
  if (!membership) throw new NotFoundError('No such membership')
  return (await eventsOf(db, [membershipId])).get(membershipId) ?? []
}

/** The memberships of a provider organisation's locations, across the council's lots. */
export async function providerMemberships(
  db: Queryable,
  scope: ProviderScope,
): Promise<(Membership & { lotName: string; procurement: Procurement })[]> {
  const memberships = await selectMemberships(
    db,
    and(
      eq(lotMemberships.councilId, scope.councilId),
      eq(locations.providerOrganisationId, scope.providerOrganisationId),
    ),
  )
  const lots = new Map((await listLots(db, scope.councilId)).map((lot) => [lot.id, lot]))
  return memberships.map((m) => {
    const lot = lots.get(m.lotId) as Lot
    return { ...m, lotName: lot.name, procurement: lot.procurement }
  })
}

/**
 * The location IDs admitted to a lot on a date, read from the dated history rather than the
 * current status, so a suspension or a removal counts from the day it takes effect.
 */
export async function admittedLocations(
  db: Queryable,
  councilId: number,
  lotId: number,
  onDate: string,
): Promise<number[]> {
  const { on } = parseInput(onDateSchema, { on: onDate })
  await getLot(db, councilId, lotId)
  const rows = await db
    .select({
      locationId: lotMemberships.locationId,
      status: lotMembershipEvents.status,
      effectiveOn: lotMembershipEvents.effectiveOn,
    })
    .from(lotMembershipEvents)
    .innerJoin(lotMemberships, eq(lotMemberships.id, lotMembershipEvents.membershipId))
    .where(
      and(
        eq(lotMemberships.councilId, councilId),
        eq(lotMemberships.lotId, lotId),
        lte(lotMembershipEvents.effectiveOn, on),
      ),
    )
    .orderBy(asc(lotMembershipEvents.id))
  const histories = new Map<number, { status: LotStatus; effectiveOn: string }[]>()
  for (const row of rows) {
    const list = histories.get(row.locationId) ?? []
    list.push({ status: row.status as LotStatus, effectiveOn: row.effectiveOn })
    histories.set(row.locationId, list)
  }
  return [...histories]
    .filter(([, events]) => statusOn(events, on) === 'admitted')
    .map(([locationId]) => locationId)
    .sort((a, b) => a - b)
}

/** For the apply form: each of the provider's active locations, and whether it may apply to the lot now. */
export async function applicationChoices(
  db: Queryable,
  scope: ProviderScope,
  lotId: number,
  clock: Clock = {},
): Promise<{
  lot: Lot
  window: Outcome<true>
  locations: { id: number; name: string; mayApply: Outcome<true> }[]
}> {
  const today = clock.today ?? londonDate(new Date())
  const lot = await getLot(db, scope.councilId, lotId)
  const own = await listLocations(db, scope, { offset: 0, limit: MAX_PROVIDER_LOCATIONS })
  const existing = new Map(
    (await providerMemberships(db, scope))
      .filter((m) => m.lotId === lotId)
      .map((m) => [m.locationId, m.status]),
  )
  return {
    lot,
    window: applicationWindow(lot, today),
    locations: own.rows.map((location) => ({
      id: location.id,
      name: location.name,
      mayApply: locationMayApply(lot, location, existing.get(location.id) ?? null, today),
    })),
  }
}

function locationMayApply(
  lot: Lot,
  location: { active: boolean; serviceTypes: string[] },
  current: LotStatus | null,
  today: string,
): Outcome<true> {
  if (!location.active) return { ok: false, reason: 'This location is no longer active on the register' }
  if (lot.serviceType && !location.serviceTypes.includes(lot.serviceType))
    return {
      ok: false,
      reason: `This lot is for ${SERVICE_TYPE_LABELS[lot.serviceType].toLowerCase()}, which the register does not record for this location`,
    }
  return mayApply(current, lot, today)
}

/**
 * A provider applies for one of its own locations, answering every question. Another
 * organisation's location is NotFoundError, as if it did not exist.
 */
export async function apply(
  db: Database,
  scope: ProviderScope,
  lotId: number,
  input: Application,
  actor: Actor,
  clock: Clock = {},
): Promise<Membership> {
  const today = clock.today ?? londonDate(new Date())
  const lot = await getLot(db, scope.councilId, lotId)
  const parsed = applicationSchema.safeParse(input)
  const errors: FieldError[] = parsed.success ? [] : ValidationError.fromZod(parsed.error).errors
  // Answers are checked even when the location is missing, so the form lists every problem at once.
  const answersGiven = answersSchema.safeParse(input.answers ?? {}).data ?? {}
  const answers: Record<string, string> = {}
  lot.questions.forEach((question, index) => {
    const answer = (answersGiven[question.id] ?? '').trim()
    if (answer === '')
      errors.push({ field: `answers.${question.id}`, message: `Answer question ${index + 1}` })
    else if (answer.length > MAX_ANSWER_LENGTH)
      errors.push({
        field: `answers.${question.id}`,
        message: `The answer to question ${index + 1} must be ${MAX_ANSWER_LENGTH.toLocaleString('en-GB')} characters or fewer`,
      })
    answers[question.id] = answer
  })
  if (!parsed.success) throw new ValidationError(errors)
  const location = await getLocation(db, scope, parsed.data.locationId)
  if (errors.length > 0) throw new ValidationError(errors)

  const membershipId = await db.transaction(async (tx) => {
    const [existing] = await tx
      .select()
      .from(lotMemberships)
      .where(and(eq(lotMemberships.lotId, lot.id), eq(lotMemberships.locationId, location.id)))
    const current = (existing?.status ?? null) as LotStatus | null
    const allowed = locationMayApply(lot, location, current, today)
    if (!allowed.ok) throw new ConflictError(allowed.reason)
    const [saved] = existing
      ? await tx
          .update(lotMemberships)
          .set({ status: 'applied', answers, updatedAt: new Date() })
          .where(and(eq(lotMemberships.id, existing.id), eq(lotMemberships.status, existing.status)))
          .returning({ id: lotMemberships.id })
      : await tx
          .insert(lotMemberships)
          .values({
            councilId: scope.councilId,
            lotId: lot.id,
            locationId: location.id,
            status: 'applied',
            answers,
          })
          .onConflictDoNothing()
          .returning({ id: lotMemberships.id })
    if (!saved)
      throw new ConflictError('Someone else applied for this location at the same time: check its status')
    await tx.insert(lotMembershipEvents).values({
      councilId: scope.councilId,
      membershipId: saved.id,
      status: 'applied',
      effectiveOn: today,
      actor: actorLabel(actor),
    })
    await recordAudit(tx, actor, {
      councilId: scope.councilId,
      action: 'lot_membership.applied',
      entityType: 'lot_membership',
      entityId: saved.id,
      details: { lotId: lot.id, locationId: location.id, from: current, to: 'applied', effectiveOn: today },
    })
    return saved.id
  })
  return getMembership(db, scope.councilId, lot.id, membershipId)
}

/**
 * A commissioner's decision on a membership. The status changes only if it is still the one
 * read, so of two commissioners deciding at once exactly one succeeds; the other gets a ConflictError.
 */
export async function decide(
  db: Database,
  councilId: number,
  lotId: number,
  membershipId: number,
  input: DecisionInput,
  actor: Actor,
  clock: Clock = {},
): Promise<{ membershipId: number; status: LotStatus; effectiveOn: string }> {
  const value = parseInput(decisionSchema, input)
  const decision: Decision = value.decision
  const effectiveOn = value.effectiveOn ?? clock.today ?? londonDate(new Date())
  return db.transaction(async (tx) => {
    const lot = await getLot(tx, councilId, lotId)
    const [membership] = await tx
      .select()
      .from(lotMemberships)
      .where(
        and(
          eq(lotMemberships.councilId, councilId),
          eq(lotMemberships.lotId, lotId),
          eq(lotMemberships.id, membershipId),
        ),
      )
    if (!membership) throw new NotFoundError('No such membership of this lot')
    const current = membership.status as LotStatus
    if (value.expectedStatus && value.expectedStatus !== current)
      throw new ConflictError(
        `Someone else has changed this membership since you opened it: it is now ${LOT_STATUS_LABELS[current].toLowerCase()}. Check its history before deciding again.`,
      )
    const outcome = decisionOutcome(current, decision, lot.procurement)
    if (!outcome.ok) throw new ConflictError(outcome.reason)
    const to = outcome.value

    const errors: FieldError[] = []
    if (reasonRequired(to) && value.reason === '')
      errors.push({
        field: 'reason',
        message: `Give the reason for the decision to ${decision} this location`,
      })
    const history = (await eventsOf(tx, [membershipId])).get(membershipId) ?? []
    const earliest = earliestEffectiveDate(history)
    if (earliest && effectiveOn < earliest)
      errors.push({
        field: 'effectiveOn',
        message: `The decision cannot take effect before ${earliest}, when the current status took effect`,
      })
    if (errors.length > 0) throw new ValidationError(errors)

    const [changed] = await tx
      .update(lotMemberships)
      .set({ status: to, updatedAt: new Date() })
      .where(and(eq(lotMemberships.id, membershipId), eq(lotMemberships.status, current)))
      .returning({ id: lotMemberships.id })
    if (!changed)
      throw new ConflictError(
        'Someone else decided on this membership at the same moment, and theirs was recorded first. Check its history before deciding again.',
      )
    await tx.insert(lotMembershipEvents).values({
      councilId,
      membershipId,
      status: to,
      effectiveOn,
      reason: value.reason || null,
      actor: actorLabel(actor),
    })
    await recordAudit(tx, actor, {
      councilId,
      action: `lot_membership.${decision}`,
      entityType: 'lot_membership',
      entityId: membershipId,
      details: {
        lotId,
        locationId: membership.locationId,
        from: current,
        to,
        effectiveOn,
        reason: value.reason || null,
      },
    })
    return { membershipId, status: to, effectiveOn }
  })
}
