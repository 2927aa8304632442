// Saved uplift scenarios: a council's named scenarios for a financial year, and the one it chose
// with how it decided. Each is kept as the JSON given and read again by parseScenario whenever it
// is costed, so a saved scenario is always one the modelling takes. Every change is audited.
import { and, asc, desc, eq, isNotNull, sql } from 'drizzle-orm'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import { financialYear, parseScenario, type Scenario } from './rules.ts'
import { upliftScenarios } from './schema.ts'

/** The most scenarios a council keeps for one year: enough to weigh options, few enough to read side by side. */
export const MAX_SAVED_PER_YEAR = 8
const MAX_NAME_LENGTH = 100
const MAX_RATIONALE_LENGTH = 1000

export interface SavedScenario {
  id: number
  year: number
  name: string
  /** The scenario as given, e.g. {"default": 5}. */
  scenario: Record<string, unknown>
  createdBy: string
  createdAt: Date
  updatedBy: string
  updatedAt: Date
  chosen: { at: Date; by: string; rationale: string } | null
}

function savedOf(row: typeof upliftScenarios.$inferSelect): SavedScenario {
  return {
    id: row.id,
    year: row.year,
    name: row.name,
    scenario: row.scenario,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt,
    chosen:
      row.chosenAt === null
        ? null
        : { at: row.chosenAt, by: row.chosenBy ?? '', rationale: row.rationale ?? '' },
  }
}

/** A saved scenario read as the modelling takes it. */
export function scenarioOf(saved: SavedScenario): Scenario {
  return parseScenario(saved.scenario)
}

function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

/** Serialises changes to one council's scenarios of one year: the limit and the names are checked under it. */
function lockYear(councilId: number, year: number) {
  return sql`select pg_advisory_xact_lock(7240321, ${councilId * 10_000 + year})`
}

function readName(input: unknown): string {
  const name = typeof input === 'string' ? input.trim() : ''
  if (name === '') throw new ValidationError([{ field: 'name', message: 'Enter a name for the scenario' }])
  if (name.length > MAX_NAME_LENGTH)
    throw new ValidationError([
      { field: 'name', message: `The name must be ${MAX_NAME_LENGTH} characters or fewer` },
    ])
  return name
}

/** Checks a scenario as the modelling reads it; its errors name the field under `scenario`. */
function readScenario(input: unknown): Record<string, unknown> {
  try {
    parseScenario(input)
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(
        error.errors.map((e) => ({
          ...e,
          field: e.field === 'scenario' ? 'scenario' : `scenario.${e.field}`,
        })),
      )
    throw error
  }
  return input as Record<string, unknown>
}

/** Reads a scenario given as JSON text (the page's box), naming the field on bad JSON. */
export function scenarioFromJson(text: string): Record<string, unknown> {
  if (text.length > 10_000)
    throw new ValidationError([
      { field: 'scenario', message: 'The scenario must be 10,000 characters or fewer' },
    ])
  try {
    return readScenario(JSON.parse(text))
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new ValidationError([
        { field: 'scenario', message: 'The scenario is not valid JSON: give an object like {"default": 5}' },
      ])
    throw error
  }
}

async function nameTaken(
  db: Queryable,
  councilId: number,
  year: number,
  name: string,
  exceptId?: number,
): Promise<boolean> {
  const rows = await db
    .select({ id: upliftScenarios.id })
    .from(upliftScenarios)
    .where(
      and(
        eq(upliftScenarios.councilId, councilId),
        eq(upliftScenarios.year, year),
        sql`lower(${upliftScenarios.name}) = lower(${name})`,
      ),
    )
  return rows.some((r) => r.id !== exceptId)
}

const nameInUse = (name: string) =>
  new ValidationError([{ field: 'name', message: `A scenario of this year is already called “${name}”` }])

/** The year's saved scenarios, the chosen one first, then the oldest first. */
export async function listScenarios(
  db: Queryable,
  councilId: number,
  year: number,
): Promise<SavedScenario[]> {
  financialYear(year)
  const rows = await db
    .select()
    .from(upliftScenarios)
    .where(and(eq(upliftScenarios.councilId, councilId), eq(upliftScenarios.year, year)))
    .orderBy(
      desc(isNotNull(upliftScenarios.chosenAt)),
      asc(upliftScenarios.createdAt),
      asc(upliftScenarios.id),
    )
  return rows.map(savedOf)
}

/** One saved scenario of the council and year; NotFoundError for another council's or year's. */
export async function getScenario(
  db: Queryable,
  councilId: number,
  year: number,
  id: number,
): Promise<SavedScenario> {
  const [row] = await db
    .select()
    .from(upliftScenarios)
    .where(
      and(
        eq(upliftScenarios.councilId, councilId),
        eq(upliftScenarios.year, year),
        eq(upliftScenarios.id, id),
      ),
    )
  if (!row) throw new NotFoundError('No such saved scenario for this year in your council')
  return savedOf(row)
}

/** The scenario the council chose for the year, or null: what is published. */
export async function chosenScenario(
  db: Queryable,
  councilId: number,
  year: number,
): Promise<SavedScenario | null> {
  const [row] = await db
    .select()
    .from(upliftScenarios)
    .where(
      and(
        eq(upliftScenarios.councilId, councilId),
        eq(upliftScenarios.year, year),
        isNotNull(upliftScenarios.chosenAt),
      ),
    )
  return row ? savedOf(row) : null
}

/** A scenario's name and JSON as given, both checked, every problem reported together. */
function readInput(input: { name?: unknown; scenario?: unknown }): {
  name: string
  scenario: Record<string, unknown>
} {
  const errors: ValidationError[] = []
  const checked = <T>(read: () => T, fallback: T): T => {
    try {
      return read()
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e
      errors.push(e)
      return fallback
    }
  }
  const name = checked(() => readName(input.name), '')
  const scenario = checked<Record<string, unknown>>(() => readScenario(input.scenario), {})
  if (errors.length > 0) throw new ValidationError(errors.flatMap((e) => e.errors))
  return { name, scenario }
}

/** Saves a named scenario for the year: refused past the limit, or under a name the year already has. */
export async function saveScenario(
  db: Database,
  councilId: number,
  year: number,
  input: { name?: unknown; scenario?: unknown },
  actor: Actor,
  now = new Date(),
): Promise<SavedScenario> {
  financialYear(year)
  const { name, scenario } = readInput(input)
  return db.transaction(async (tx) => {
    await tx.execute(lockYear(councilId, year))
    const [count] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(upliftScenarios)
      .where(and(eq(upliftScenarios.councilId, councilId), eq(upliftScenarios.year, year)))
    if ((count?.n ?? 0) >= MAX_SAVED_PER_YEAR)
      throw new ConflictError(
        `A year keeps at most ${MAX_SAVED_PER_YEAR} saved scenarios: delete one before saving another`,
      )
    if (await nameTaken(tx, councilId, year, name)) throw nameInUse(name)
    const by = actorName(actor)
    const [row] = await tx
      .insert(upliftScenarios)
      .values({
        councilId,
        year,
        name,
        scenario,
        createdBy: by,
        updatedBy: by,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
    const saved = savedOf(row as typeof upliftScenarios.$inferSelect)
    await recordAudit(tx, actor, {
      councilId,
      action: 'uplift_scenario.saved',
      entityType: 'uplift_scenario',
      entityId: saved.id,
      details: { year, name, scenario },
    })
    return saved
  })
}

/** Renames a saved scenario and replaces what it says; a chosen one stays chosen. */
export async function updateScenario(
  db: Database,
  councilId: number,
  year: number,
  id: number,
  input: { name?: unknown; scenario?: unknown },
  actor: Actor,
  now = new Date(),
): Promise<SavedScenario> {
  const { name, scenario } = readInput(input)
  return db.transaction(async (tx) => {
    await tx.execute(lockYear(councilId, year))
    const before = await getScenario(tx, councilId, year, id)
    if (await nameTaken(tx, councilId, year, name, id)) throw nameInUse(name)
    const [row] = await tx
      .update(upliftScenarios)
      .set({ name, scenario, updatedBy: actorName(actor), updatedAt: now })
      .where(eq(upliftScenarios.id, id))
      .returning()
    await recordAudit(tx, actor, {
      councilId,
      action: 'uplift_scenario.updated',
      entityType: 'uplift_scenario',
      entityId: id,
      details: {
        year,
        name,
        scenario,
        previousName: before.name,
        previousScenario: before.scenario,
        chosen: before.chosen !== null,
      },
    })
    return savedOf(row as typeof upliftScenarios.$inferSelect)
  })
}

/** Deletes a saved scenario; deleting the chosen one leaves the year with none chosen. */
export async function deleteScenario(
  db: Database,
  councilId: number,
  year: number,
  id: number,
  actor: Actor,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(lockYear(councilId, year))
    const before = await getScenario(tx, councilId, year, id)
    await tx.delete(upliftScenarios).where(eq(upliftScenarios.id, id))
    await recordAudit(tx, actor, {
      councilId,
      action: 'uplift_scenario.deleted',
      entityType: 'uplift_scenario',
      entityId: id,
      details: { year, name: before.name, scenario: before.scenario, wasChosen: before.chosen !== null },
    })
  })
}

/**
 * Marks the scenario the council chose for the year, with how it decided (published in the Market
 * Position Statement); any other chosen scenario of the year stops being chosen.
 */
export async function chooseScenario(
  db: Database,
  councilId: number,
  year: number,
  id: number,
  input: { rationale?: unknown },
  actor: Actor,
  now = new Date(),
): Promise<SavedScenario> {
  const rationale = typeof input.rationale === 'string' ? input.rationale.trim() : ''
  if (rationale === '')
    throw new ValidationError([
      {
        field: 'rationale',
        message:
          'Enter how the uplift was decided, like “Cabinet on 12 March 2027 agreed 5.5% for home support”',
      },
    ])
  if (rationale.length > MAX_RATIONALE_LENGTH)
    throw new ValidationError([
      {
        field: 'rationale',
        message: `How it was decided must be ${MAX_RATIONALE_LENGTH} characters or fewer`,
      },
    ])
  return db.transaction(async (tx) => {
    await tx.execute(lockYear(councilId, year))
    const target = await getScenario(tx, councilId, year, id)
    const previous = await chosenScenario(tx, councilId, year)
    if (previous && previous.id !== id)
      await tx
        .update(upliftScenarios)
        .set({ chosenAt: null, chosenBy: null, rationale: null })
        .where(eq(upliftScenarios.id, previous.id))
    const [row] = await tx
      .update(upliftScenarios)
      .set({ chosenAt: now, chosenBy: actorName(actor), rationale })
      .where(eq(upliftScenarios.id, id))
      .returning()
    await recordAudit(tx, actor, {
      councilId,
      action: 'uplift_scenario.chosen',
      entityType: 'uplift_scenario',
      entityId: id,
      details: {
        year,
        name: target.name,
        rationale,
        previousChosenId: previous?.id ?? null,
        previousRationale: previous?.chosen?.rationale ?? null,
      },
    })
    return savedOf(row as typeof upliftScenarios.$inferSelect)
  })
}
