// The public Market Position Statement: key data computed live from the platform, commissioners'
// narrative per sector, and the council's small-number suppression threshold.
import { and, eq, max } from 'drizzle-orm'
import { z } from 'zod'
import { type Council, getCouncilByCode } from '../../accounts/service.ts'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { NotFoundError, parseInput } from '../../errors.ts'
import { admittedLocations, listLots } from '../../providers/frameworks/service.ts'
import { NOT_YET_RATED } from '../../providers/quality/rules.ts'
import { effectiveRatings, todayInLondon } from '../../providers/quality/service.ts'
import { marketSettings, mpsNarratives } from '../schema.ts'
import {
  DEFAULT_SUPPRESSION_THRESHOLD,
  type FigureKind,
  figureCsv,
  figureText,
  type KeyDataFigures,
  type LocationFact,
  locationMatches,
  MAX_SUPPRESSION_THRESHOLD,
  MIN_SUPPRESSION_THRESHOLD,
  publishedFigures,
  type RowFacts,
  rowFacts,
} from './rules.ts'
import { isMpsSector, type MpsSector, SECTOR_DEFINITIONS } from './sectors.ts'
import { activeLocations, activePackages, bookLoadedAt } from './store.ts'

function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

/** A council by its code, for the public pages; NotFoundError for an unknown code. */
export async function publicCouncil(db: Queryable, code: string): Promise<Council> {
  if (!/^[A-Za-z0-9-]{1,32}$/.test(code)) throw new NotFoundError(`No council has the code ${code}`)
  return getCouncilByCode(db, code)
}

export function sectorOrNotFound(slug: string): MpsSector {
  if (!isMpsSector(slug)) throw new NotFoundError('There is no such sector in the Market Position Statement')
  return slug
}

// ---------------------------------------------------------------------------------------------
// Settings

export async function getSuppressionThreshold(db: Queryable, councilId: number): Promise<number> {
  const [row] = await db
    .select({ threshold: marketSettings.suppressionThreshold })
    .from(marketSettings)
    .where(eq(marketSettings.councilId, councilId))
  return row?.threshold ?? DEFAULT_SUPPRESSION_THRESHOLD
}

const THRESHOLD_MESSAGE = `Enter a whole number from ${MIN_SUPPRESSION_THRESHOLD} to ${MAX_SUPPRESSION_THRESHOLD}`

const marketSettingsSchema = z.object({
  suppressionThreshold: z
    .union([z.string(), z.number()], { error: THRESHOLD_MESSAGE })
    .transform((value, ctx) => {
      const text = String(value).trim()
      const n = /^\d+$/.test(text) ? Number(text) : Number.NaN
      if (!Number.isInteger(n) || n < MIN_SUPPRESSION_THRESHOLD || n > MAX_SUPPRESSION_THRESHOLD) {
        ctx.addIssue({
          code: 'custom',
          message: text === '' ? 'Enter the smallest number to publish' : THRESHOLD_MESSAGE,
        })
        return z.NEVER
      }
      return n
    }),
})

export async function updateMarketSettings(
  db: Database,
  councilId: number,
  input: unknown,
  actor: Actor,
): Promise<{ suppressionThreshold: number }> {
  const { suppressionThreshold } = parseInput(marketSettingsSchema, input)
  return db.transaction(async (tx) => {
    const before = await getSuppressionThreshold(tx, councilId)
    const values = { suppressionThreshold, updatedAt: new Date(), updatedBy: actorName(actor) }
    await tx
      .insert(marketSettings)
      .values({ councilId, ...values })
      .onConflictDoUpdate({ target: marketSettings.councilId, set: values })
    await recordAudit(tx, actor, {
      councilId,
      action: 'market_settings.updated',
      entityType: 'market_settings',
      entityId: councilId,
      details: { suppressionThreshold: { from: before, to: suppressionThreshold } },
    })
    return { suppressionThreshold }
  })
}

// ---------------------------------------------------------------------------------------------
// Narrative

export const NARRATIVE_SECTIONS = [
  { field: 'supplyAndDemand', title: 'Supply and demand' },
  { field: 'commissioningIntentions', title: 'Commissioning intentions' },
  { field: 'messagesToProviders', title: 'Messages to providers' },
] as const
type NarrativeField = (typeof NARRATIVE_SECTIONS)[number]['field']
export const MAX_NARRATIVE_LENGTH = 10_000

const narrativeText = (title: string) =>
  z
    .string({ error: `Enter ${title.toLowerCase()} as text` })
    .trim()
    .max(MAX_NARRATIVE_LENGTH, {
      error: `${title} must be ${MAX_NARRATIVE_LENGTH.toLocaleString('en-GB')} characters or fewer`,
    })
    .default('')

const narrativeSchema = z.object({
  supplyAndDemand: narrativeText('Supply and demand'),
  commissioningIntentions: narrativeText('Commissioning intentions'),
  messagesToProviders: narrativeText('Messages to providers'),
})

export interface Narrative extends Record<NarrativeField, string> {
  updatedAt: Date | null
  updatedBy: string | null
}

export async function getNarrative(db: Queryable, councilId: number, sector: MpsSector): Promise<Narrative> {
  const [row] = await db
    .select()
    .from(mpsNarratives)
    .where(and(eq(mpsNarratives.councilId, councilId), eq(mpsNarratives.sector, sector)))
  return {
    supplyAndDemand: row?.supplyAndDemand ?? '',
    commissioningIntentions: row?.commissioningIntentions ?? '',
    messagesToProviders: row?.messagesToProviders ?? '',
    updatedAt: row?.updatedAt ?? null,
    updatedBy: row?.updatedBy ?? null,
  }
}

/** When each sector's narrative was last edited; sectors never edited are missing. */
export async function narrativeDates(db: Queryable, councilId: number): Promise<Map<string, Date>> {
  const rows = await db
    .select({ sector: mpsNarratives.sector, at: max(mpsNarratives.updatedAt) })
    .from(mpsNarratives)
    .where(eq(mpsNarratives.councilId, councilId))
    .groupBy(mpsNarratives.sector)
  return new Map(rows.filter((r) => r.at).map((r) => [r.sector, r.at as Date]))
}

export async function saveNarrative(
  db: Database,
  councilId: number,
  sector: MpsSector,
  input: unknown,
  actor: Actor,
): Promise<Narrative> {
  const text = parseInput(narrativeSchema, input)
  return db.transaction(async (tx) => {
    const before = await getNarrative(tx, councilId, sector)
    const values = { ...text, updatedAt: new Date(), updatedBy: actorName(actor) }
    await tx
      .insert(mpsNarratives)
      .values({ councilId, sector, ...values })
      .onConflictDoUpdate({ target: [mpsNarratives.councilId, mpsNarratives.sector], set: values })
    const changed = NARRATIVE_SECTIONS.filter((s) => before[s.field] !== text[s.field]).map((s) => s.field)
    await recordAudit(tx, actor, {
      councilId,
      action: 'mps_narrative.updated',
      entityType: 'mps_narrative',
      entityId: sector,
      details: { sector, changed },
    })
    return { ...values }
  })
}

// ---------------------------------------------------------------------------------------------
// Key data

/**
 * "Accredited" follows the council's own practice. Where it procures a service type through
 * framework or DPS lots (any lot for that service type, or for no particular service type, open
 * by today), a location is accredited when admitted to one of them today. Where it has no such
 * lot, it places with any registered location, so every active location counts.
 */
async function accreditedFor(
  db: Queryable,
  councilId: number,
  serviceType: string,
  today: string,
): Promise<Set<number> | null> {
  const lots = (await listLots(db, councilId)).filter(
    (lot) => lot.opensOn <= today && (lot.serviceType === null || lot.serviceType === serviceType),
  )
  if (lots.length === 0) return null
  const admitted = new Set<number>()
  for (const lot of lots)
    for (const id of await admittedLocations(db, councilId, lot.id, today)) admitted.add(id)
  return admitted
}

export interface KeyDataRow {
  label: string
  facts: RowFacts
  figures: KeyDataFigures
  /** Whether its locations are those admitted to lots (true) or all registered ones (false). */
  byLots: boolean
}

export interface KeyData {
  sector: MpsSector
  today: string
  threshold: number
  /** When the council last loaded its own book of packages; null if never (people and spend are then not known). */
  bookLoadedAt: Date | null
  rows: KeyDataRow[]
}

/** A sector's key data on `today`, every figure computed from the platform as it is now. */
export async function keyData(
  db: Queryable,
  councilId: number,
  sector: MpsSector,
  today = todayInLondon(),
): Promise<KeyData> {
  const definition = SECTOR_DEFINITIONS[sector]
  const [packages, locations, threshold, loadedAt] = await Promise.all([
    activePackages(db, councilId, today, definition.rows),
    activeLocations(db, councilId),
    getSuppressionThreshold(db, councilId),
    bookLoadedAt(db, councilId),
  ])
  const accreditedByType = new Map<string, Set<number> | null>()
  for (const row of definition.rows) {
    if (!accreditedByType.has(row.locationServiceType))
      accreditedByType.set(
        row.locationServiceType,
        await accreditedFor(db, councilId, row.locationServiceType, today),
      )
  }
  const perRow = definition.rows.map((row) => {
    const admitted = accreditedByType.get(row.locationServiceType) ?? null
    const accredited = locations.filter((l) => locationMatches(row, l) && (!admitted || admitted.has(l.id)))
    return { row, accredited, byLots: admitted !== null }
  })
  const ratings = await effectiveRatings(db, councilId, [
    ...new Set(perRow.flatMap((r) => r.accredited.map((l: LocationFact) => l.id))),
  ])
  const ratingOf = (id: number) => {
    const rating = ratings.get(id)?.rating
    return !rating || rating === NOT_YET_RATED ? null : rating
  }
  return {
    sector,
    today,
    threshold,
    bookLoadedAt: loadedAt,
    rows: perRow.map(({ row, accredited, byLots }) => {
      // A service the council accredits itself counts only while its accreditation is in force.
      const inForce = accredited.filter((l: LocationFact) => !ratings.get(l.id)?.ineligible)
      const facts = rowFacts(row, packages, inForce, ratingOf)
      return {
        label: row.label,
        facts,
        figures: publishedFigures(facts, threshold, loadedAt !== null),
        byLots,
      }
    }),
  }
}

export const KEY_DATA_COLUMNS: { key: keyof KeyDataFigures; heading: string; kind: FigureKind }[] = [
  { key: 'annualSpendPence', heading: 'Spend a year', kind: 'money' },
  { key: 'people', heading: 'People supported', kind: 'count' },
  { key: 'brokeredPeople', heading: 'Of whom placed through Caremarket', kind: 'count' },
  { key: 'locations', heading: 'Accredited locations', kind: 'count' },
  { key: 'places', heading: 'Places', kind: 'count' },
  { key: 'goodOrOutstandingPercent', heading: 'Rated good or outstanding', kind: 'percent' },
]

/** The key data as the page shows it, cell by cell. Never the unsuppressed facts. */
export function keyDataTable(data: KeyData): { label: string; cells: string[] }[] {
  return data.rows.map((row) => ({
    label: row.label,
    cells: KEY_DATA_COLUMNS.map((c) => figureText(row.figures[c.key], c.kind, data.threshold)),
  }))
}

/** The key data as the CSV holds it: exact pounds, and the same suppression as the page. */
export function keyDataCsvRows(data: KeyData): (string | number)[][] {
  return [
    [
      'Service',
      'Spend a year (£)',
      ...KEY_DATA_COLUMNS.slice(1).map((c) => (c.kind === 'percent' ? `${c.heading} (%)` : c.heading)),
    ],
    ...data.rows.map((row) => [
      row.label,
      ...KEY_DATA_COLUMNS.map((c) => figureCsv(row.figures[c.key], c.kind, data.threshold)),
    ]),
  ]
}
