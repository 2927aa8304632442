// A council's brokerage settings and its working-day calendar (DOMAIN.md §5–§7): defaults are
// published practice, and the council admin may change every one of them.

import { and, asc, eq } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Queryable } from '../../db/connection.ts'
import { ConflictError, NotFoundError, parseInput } from '../../errors.ts'
import { formatDate, isCalendarDate, weekdayOf } from '../../shared/dates.ts'
import {
  type BankHoliday,
  type BrokerageSettings,
  brokerageSettingsSchema,
  ENGLAND_AND_WALES_BANK_HOLIDAYS,
  resolveBrokerageSettings,
} from '../rules/index.ts'
import { bankHolidays, councilSettings } from '../schema.ts'

export type { BankHoliday, BrokerageSettings }

/** The council's brokerage settings, with the defaults for anything it never set. */
export async function getBrokerageSettings(db: Queryable, councilId: number): Promise<BrokerageSettings> {
  const [row] = await db
    .select({ brokerage: councilSettings.brokerage })
    .from(councilSettings)
    .where(eq(councilSettings.councilId, councilId))
  return resolveBrokerageSettings(row?.brokerage as Partial<Record<keyof BrokerageSettings, unknown>>)
}

/** Replaces the council's brokerage settings; every field is required and checked together (weights add to 100). */
export async function updateBrokerageSettings(
  db: Queryable,
  councilId: number,
  input: unknown,
  actor: Actor,
): Promise<BrokerageSettings> {
  const settings = parseInput(brokerageSettingsSchema, input)
  return db.transaction(async (tx) => {
    // The settings row doubles as the marker that the calendar was seeded: seed it first.
    await ensureBankHolidays(tx, councilId)
    const before = await getBrokerageSettings(tx, councilId)
    await tx
      .update(councilSettings)
      .set({ brokerage: settings, updatedAt: new Date(), updatedBy: actorLabel(actor) })
      .where(eq(councilSettings.councilId, councilId))
    const changed = Object.fromEntries(
      (Object.keys(settings) as (keyof BrokerageSettings)[])
        .filter((key) => settings[key] !== before[key])
        .map((key) => [key, { from: before[key], to: settings[key] }]),
    )
    await recordAudit(tx, actor, {
      councilId,
      action: 'brokerage_settings.updated',
      entityType: 'council_settings',
      entityId: councilId,
      details: { changed },
    })
    return settings
  })
}

/**
 * Seeds the council's calendar with the bank holidays of England and Wales the first time it is
 * read. The council_settings row marks that this has happened, so a calendar the admin has since
 * emptied stays empty; two first reads at once insert the row once, and only that one seeds.
 */
export async function ensureBankHolidays(db: Queryable, councilId: number): Promise<void> {
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(councilSettings)
      .values({ councilId })
      .onConflictDoNothing()
      .returning({ councilId: councilSettings.councilId })
    if (inserted.length === 0) return
    await tx
      .insert(bankHolidays)
      .values(ENGLAND_AND_WALES_BANK_HOLIDAYS.map((h) => ({ councilId, day: h.date, name: h.name })))
      .onConflictDoNothing()
  })
}

/** The council's bank holidays, oldest first. */
export async function listBankHolidays(db: Queryable, councilId: number): Promise<BankHoliday[]> {
  await ensureBankHolidays(db, councilId)
  const rows = await db
    .select({ date: bankHolidays.day, name: bankHolidays.name })
    .from(bankHolidays)
    .where(eq(bankHolidays.councilId, councilId))
    .orderBy(asc(bankHolidays.day))
  return rows
}

/** The council's bank holidays as the set the working-day rules take. */
export async function getBankHolidays(db: Queryable, councilId: number): Promise<Set<string>> {
  return new Set((await listBankHolidays(db, councilId)).map((h) => h.date))
}

const newBankHolidaySchema = z
  .object({
    date: z
      .string({ error: 'Enter the date of the bank holiday' })
      .trim()
      .min(1, 'Enter the date of the bank holiday')
      .refine(isCalendarDate, 'Enter a real date, for example 25 12 2029'),
    name: z
      .string({ error: 'Enter the name of the bank holiday' })
      .trim()
      .min(1, 'Enter the name of the bank holiday')
      .max(100, 'Name must be 100 characters or fewer'),
  })
  .superRefine((holiday, ctx) => {
    if (!isCalendarDate(holiday.date)) return
    const weekday = weekdayOf(holiday.date)
    if (weekday === 'Saturday' || weekday === 'Sunday')
      ctx.addIssue({
        code: 'custom',
        path: ['date'],
        message: `That date is a ${weekday}: weekends are never working days, so add the substitute weekday instead`,
      })
  })

export type NewBankHoliday = z.input<typeof newBankHolidaySchema>

export async function addBankHoliday(
  db: Queryable,
  councilId: number,
  input: NewBankHoliday,
  actor: Actor,
): Promise<BankHoliday> {
  const holiday = parseInput(newBankHolidaySchema, input)
  return db.transaction(async (tx) => {
    await ensureBankHolidays(tx, councilId)
    const [row] = await tx
      .insert(bankHolidays)
      .values({ councilId, day: holiday.date, name: holiday.name })
      .onConflictDoNothing()
      .returning()
    if (!row) throw new ConflictError(`${formatDate(holiday.date)} is already a bank holiday`)
    await recordAudit(tx, actor, {
      councilId,
      action: 'bank_holiday.added',
      entityType: 'bank_holiday',
      entityId: holiday.date,
      details: { name: holiday.name },
    })
    return { date: row.day, name: row.name }
  })
}

export async function removeBankHoliday(
  db: Queryable,
  councilId: number,
  date: string,
  actor: Actor,
): Promise<BankHoliday> {
  if (!isCalendarDate(date)) throw new NotFoundError('No such bank holiday')
  return db.transaction(async (tx) => {
    await ensureBankHolidays(tx, councilId)
    const [row] = await tx
      .delete(bankHolidays)
      .where(and(eq(bankHolidays.councilId, councilId), eq(bankHolidays.day, date)))
      .returning()
    if (!row) throw new NotFoundError('No such bank holiday')
    await recordAudit(tx, actor, {
      councilId,
      action: 'bank_holiday.removed',
      entityType: 'bank_holiday',
      entityId: date,
      details: { name: row.name },
    })
    return { date: row.day, name: row.name }
  })
}

function actorLabel(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}
