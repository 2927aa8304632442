// Hand-backs: a provider gives notice that it will stop delivering one of its packages, with a
// reason and a last day of care. The council's notice period (brokerage settings) decides whether
// the notice is short, and short notice needs its own reason. A package is handed back once. A
// broker then re-sources it as a linked request, made the same way as after a provider failure.

import { and, eq, inArray, sql } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { isCalendarDate, londonDate } from '../../shared/dates.ts'
import { brokerageEvents } from '../events.ts'
import type { RequestScope } from '../requests/caseload.ts'
import { createResourcingRequest } from '../requests/resourcing.ts'
import { addCalendarDays, calendarDaysBetween } from '../rules/index.ts'
import { packageHandBacks, packages, people } from '../schema.ts'
import { getBrokerageSettings } from '../settings/service.ts'
import { getPackage } from './packages.ts'
import type { ProviderScope } from './service.ts'

const MAX_TEXT = 2000

export const handBackSchema = z.object({
  reason: z
    .string({ error: 'Enter why you are handing the package back' })
    .trim()
    .min(1, 'Enter why you are handing the package back')
    .max(MAX_TEXT, 'The reason must be 2,000 characters or fewer'),
  lastDay: z
    .string({ error: 'Enter the last day of care' })
    .trim()
    .min(1, 'Enter the last day of care')
    .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && isCalendarDate(v), {
      message: 'The last day of care must be a real date, like 31 3 2027',
    }),
  shortNoticeReason: z
    .string()
    .trim()
    .max(MAX_TEXT, 'The reason for short notice must be 2,000 characters or fewer')
    .optional()
    .nullable(),
})

export interface HandBackView {
  id: number
  packageId: number
  requestId: number
  providerOrganisationId: number
  reason: string
  lastDay: string
  noticeDays: number
  shortNoticeReason: string | null
  resourcingRequestId: number | null
  resourcedAt: Date | null
  createdAt: Date
  createdBy: string
}

function view(row: typeof packageHandBacks.$inferSelect): HandBackView {
  return {
    id: row.id,
    packageId: row.packageId,
    requestId: row.requestId,
    providerOrganisationId: row.providerOrganisationId,
    reason: row.reason,
    lastDay: row.lastDay,
    noticeDays: row.noticeDays,
    shortNoticeReason: row.shortNoticeReason,
    resourcingRequestId: row.resourcingRequestId,
    resourcedAt: row.resourcedAt,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  }
}

function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

/** The hand-back of a package of the council, if it has been handed back. */
export async function handBackOf(
  db: Queryable,
  councilId: number,
  packageId: number,
): Promise<HandBackView | null> {
  const [row] = await db
    .select()
    .from(packageHandBacks)
    .where(and(eq(packageHandBacks.councilId, councilId), eq(packageHandBacks.packageId, packageId)))
  return row ? view(row) : null
}

/**
 * The hand-back of one of the provider's own packages, and the council's notice period; another
 * provider's package answers 404.
 */
export async function providerHandBackOf(
  db: Queryable,
  scope: ProviderScope,
  packageId: number,
): Promise<{ handBack: HandBackView | null; noticeDays: number }> {
  await ownPackage(db, scope, packageId)
  const { handBackNoticeDays } = await getBrokerageSettings(db, scope.councilId)
  return { handBack: await handBackOf(db, scope.councilId, packageId), noticeDays: handBackNoticeDays }
}

async function ownPackage(db: Queryable, scope: ProviderScope, packageId: number) {
  const [row] = await db
    .select()
    .from(packages)
    .where(
      and(
        eq(packages.councilId, scope.councilId),
        eq(packages.providerOrganisationId, scope.providerOrganisationId),
        eq(packages.id, packageId),
      ),
    )
  if (!row) throw new NotFoundError('No such package')
  return row
}

/**
 * The provider gives notice on one of its packages: the last day of care is today or later and
 * within the package; notice shorter than the council's period needs `shortNoticeReason`. The
 * package ends on its last day. A package is handed back once (409 after).
 */
export async function handBackPackage(
  db: Database,
  scope: ProviderScope,
  actor: Actor,
  packageId: number,
  input: unknown,
  now = new Date(),
): Promise<HandBackView> {
  const terms = parseInput(handBackSchema, input)
  await ownPackage(db, scope, packageId)
  const { handBackNoticeDays } = await getBrokerageSettings(db, scope.councilId)
  const today = londonDate(now)
  const notice = calendarDaysBetween(today, terms.lastDay)
  if (terms.lastDay < today)
    throw new ValidationError([{ field: 'lastDay', message: 'The last day of care must be today or later' }])
  const shortNotice = notice < handBackNoticeDays
  const shortNoticeReason = terms.shortNoticeReason || null
  if (shortNotice && !shortNoticeReason)
    throw new ValidationError([
      {
        field: 'shortNoticeReason',
        message: `The last day of care is ${notice} days away, less than the council’s notice period of ${handBackNoticeDays} days: enter why you cannot give full notice`,
      },
    ])
  return db.transaction(async (tx) => {
    const [pkg] = await tx
      .select()
      .from(packages)
      .where(and(eq(packages.councilId, scope.councilId), eq(packages.id, packageId)))
      .for('update')
    if (!pkg) throw new NotFoundError('No such package')
    const [already] = await tx
      .select({ id: packageHandBacks.id })
      .from(packageHandBacks)
      .where(eq(packageHandBacks.packageId, packageId))
    if (already) throw new ConflictError('This package has already been handed back')
    if (pkg.endDate !== null && pkg.endDate < today)
      throw new ConflictError(`This package has already ended, on ${pkg.endDate}`)
    if (terms.lastDay < pkg.startDate)
      throw new ValidationError([
        {
          field: 'lastDay',
          message: `The last day of care must be on or after the start date, ${pkg.startDate}`,
        },
      ])
    if (pkg.endDate !== null && terms.lastDay > pkg.endDate)
      throw new ValidationError([
        {
          field: 'lastDay',
          message: `The package already ends on ${pkg.endDate}: choose that day or earlier`,
        },
      ])
    const [row] = await tx
      .insert(packageHandBacks)
      .values({
        councilId: scope.councilId,
        packageId,
        requestId: pkg.requestId,
        providerOrganisationId: pkg.providerOrganisationId,
        reason: terms.reason,
        lastDay: terms.lastDay,
        noticeDays: handBackNoticeDays,
        shortNoticeReason: shortNotice ? shortNoticeReason : null,
        createdAt: now,
        createdBy: actorName(actor),
      })
      .returning()
    if (!row) throw new Error('hand-back not inserted')
    await tx
      .update(packages)
      .set({ endDate: terms.lastDay, endReason: `Handed back by the provider: ${terms.reason}` })
      .where(eq(packages.id, packageId))
    await recordAudit(tx, actor, {
      councilId: scope.councilId,
      action: 'package.handed_back',
      entityType: 'package',
      entityId: packageId,
      details: { lastDay: terms.lastDay, noticeDays: handBackNoticeDays, shortNotice },
    })
    await brokerageEvents.emit(
      'packageHandedBack',
      {
        councilId: scope.councilId,
        requestId: pkg.requestId,
        packageId,
        handBackId: row.id,
        lastDay: terms.lastDay,
        shortNotice,
      },
      tx,
    )
    await brokerageEvents.emit(
      'packageEnded',
      { councilId: scope.councilId, requestId: pkg.requestId, packageId, endDate: terms.lastDay },
      tx,
    )
    return view(row)
  })
}

/**
 * A broker re-sources a handed-back package: one linked request, copied from the request that
 * placed it, starting the day after the last day and leaving out the provider that handed it back.
 * Doing it again returns the same request.
 */
export async function resourceHandBack(
  db: Database,
  user: RequestScope & { actor: Actor },
  packageId: number,
  now = new Date(),
): Promise<{ requestId: number; created: boolean }> {
  await getPackage(db, user, packageId, now)
  return db.transaction(async (tx) => {
    const [handBack] = await tx
      .select()
      .from(packageHandBacks)
      .where(and(eq(packageHandBacks.councilId, user.councilId), eq(packageHandBacks.packageId, packageId)))
      .for('update')
    if (!handBack) throw new ConflictError('This package has not been handed back')
    if (handBack.resourcingRequestId !== null)
      return { requestId: handBack.resourcingRequestId, created: false }
    const requestId = await createResourcingRequest(tx, {
      councilId: user.councilId,
      packageIds: [packageId],
      startDate: addCalendarDays(handBack.lastDay, 1),
      urgency: 'urgent',
      emergencyHours: null,
      excludedProviderIds: [handBack.providerOrganisationId],
      reason: `Re-sourcing package ${packageId}, handed back by its provider`,
      actor: user.actor,
      now,
    })
    await tx
      .update(packageHandBacks)
      .set({ resourcingRequestId: requestId, resourcedAt: now })
      .where(eq(packageHandBacks.id, handBack.id))
    await recordAudit(tx, user.actor, {
      councilId: user.councilId,
      action: 'package_hand_back.resourced',
      entityType: 'package',
      entityId: packageId,
      details: { requestId },
    })
    return { requestId, created: true }
  })
}

export interface HandBackOnList {
  handBackId: number
  packageId: number
  /** The request that placed the package. */
  requestId: number
  resourcingRequestId: number | null
  personName: string
  dateOfBirth: string
  lastDay: string
  createdAt: Date
  /** The package's care minutes a week: what the hand-back leaves unfilled (0 for a placement). */
  minutesPerWeek: number
  serviceType: string
}

/**
 * The council's hand-backs whose last day (London) had come by `until`, each with when its person
 * was re-placed: the first package awarded on its linked request, or null.
 */
export async function handBacksForList(
  db: Queryable,
  councilId: number,
  until: Date,
): Promise<(HandBackOnList & { replacedAt: Date | null })[]> {
  const day = londonDate(until)
  const rows = await db
    .select({
      handBackId: packageHandBacks.id,
      packageId: packageHandBacks.packageId,
      requestId: packageHandBacks.requestId,
      resourcingRequestId: packageHandBacks.resourcingRequestId,
      lastDay: packageHandBacks.lastDay,
      createdAt: packageHandBacks.createdAt,
      minutesPerWeek: packages.minutesPerWeek,
      serviceType: packages.serviceType,
      personName: people.name,
      dateOfBirth: people.dateOfBirth,
    })
    .from(packageHandBacks)
    .innerJoin(packages, eq(packages.id, packageHandBacks.packageId))
    .innerJoin(people, eq(people.id, packages.personId))
    .where(and(eq(packageHandBacks.councilId, councilId), sql`${packageHandBacks.lastDay} <= ${day}::date`))
  const linked = rows.flatMap((r) => (r.resourcingRequestId === null ? [] : [r.resourcingRequestId]))
  const replacedAt = new Map(
    linked.length === 0
      ? []
      : (
          await db
            .select({
              requestId: packages.requestId,
              at: sql<Date>`min(${packages.createdAt})`.mapWith(packages.createdAt),
            })
            .from(packages)
            .where(and(eq(packages.councilId, councilId), inArray(packages.requestId, linked)))
            .groupBy(packages.requestId)
        ).map((r) => [r.requestId, r.at]),
  )
  return rows.map((r) => ({
    ...r,
    // A handed-back package's person was placed: their details were completed before submission.
    dateOfBirth: r.dateOfBirth ?? '',
    minutesPerWeek: r.minutesPerWeek ?? 0,
    replacedAt: r.resourcingRequestId === null ? null : (replacedAt.get(r.resourcingRequestId) ?? null),
  }))
}

/** Whether a hand-back held its person on the list at an instant: last day come, not yet re-placed. */
export function handBackOnListAt(h: { lastDay: string; replacedAt: Date | null }, at: Date): boolean {
  return h.lastDay <= londonDate(at) && (h.replacedAt === null || h.replacedAt.getTime() > at.getTime())
}

/** The council's hand-backs on the list at an instant. */
export async function handBacksOnListAt(
  db: Queryable,
  councilId: number,
  at: Date,
): Promise<HandBackOnList[]> {
  return (await handBacksForList(db, councilId, at)).filter((h) => handBackOnListAt(h, at))
}
