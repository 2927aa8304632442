import { pipeline, type Readable } from 'node:stream'
import { CsvError, parse as csvParse } from 'csv-parse'
import { asc, eq, sql } from 'drizzle-orm'
import type { Database, Queryable } from '../db/connection.ts'
import { ValidationError } from '../errors.ts'
import type { Point } from '../shared/distance.ts'
import {
  type CouncilDistrict,
  centroidKey,
  choosePoint,
  districtFor,
  normalisePostcode,
  outcodeOf,
  type PlacedPoint,
  parseCoordinate,
} from './rules.ts'
import { councilDistricts, localities, outcodes, pcnAreas } from './schema.ts'

// ---------------------------------------------------------------------------------------------
// Locating places

export interface LocateInput {
  /** A full postcode, or just its district; blank when unknown. */
  postcode?: string | null
  latitude?: number | null
  longitude?: number | null
  /** What the coordinates are: a postcode's own (as CQC publishes them) or typed in. Default 'manual'. */
  coordinatesSource?: 'postcode' | 'manual'
}

export interface Placement extends PlacedPoint {
  /** The postcode district, when the postcode is known. */
  outcode: string | null
  localityId: number | null
  pcnAreaId: number | null
  /**
   * Whether the place is in or near the council's area (one of its districts, or within reach of
   * the nearest); null when the council has no postcode districts yet, so nothing can be judged.
   */
  inCouncilArea: boolean | null
}

/** One council's postcode districts by outcode, each with its centroid where the outcode table has one. */
export async function loadCouncilDistricts(
  db: Queryable,
  councilId: number,
): Promise<Map<string, CouncilDistrict>> {
  const rows = await db
    .select({
      outcode: councilDistricts.outcode,
      localityId: councilDistricts.localityId,
      pcnAreaId: councilDistricts.pcnAreaId,
      latitude: outcodes.latitude,
      longitude: outcodes.longitude,
    })
    .from(councilDistricts)
    .leftJoin(outcodes, eq(outcodes.outcode, councilDistricts.outcode))
    .where(eq(councilDistricts.councilId, councilId))
  return new Map(
    rows.map((row) => [
      row.outcode,
      {
        outcode: row.outcode,
        localityId: row.localityId,
        pcnAreaId: row.pcnAreaId,
        centroid:
          row.latitude === null || row.longitude === null
            ? null
            : { latitude: row.latitude, longitude: row.longitude },
      },
    ]),
  )
}

/**
 * Locates many places of one council with two queries per call, caching district centroids and
 * the council's districts, so that an import can place a batch of rows at a time.
 */
export class Locator {
  private readonly outcodeCentroids = new Map<string, Point | null>()

  private constructor(
    private readonly db: Queryable,
    private readonly districts: ReadonlyMap<string, CouncilDistrict>,
  ) {}

  static async forCouncil(db: Queryable, councilId: number): Promise<Locator> {
    return new Locator(db, await loadCouncilDistricts(db, councilId))
  }

  async locateAll(inputs: readonly LocateInput[]): Promise<Placement[]> {
    const keys = inputs.map((input) => {
      const raw = input.postcode?.trim() || null
      return { postcode: normalisePostcode(raw), outcode: outcodeOf(raw) }
    })
    const postcodeCentroids = await this.postcodeCentroids(keys.flatMap((k) => k.postcode ?? []))
    await this.loadOutcodes(keys.flatMap((k) => k.outcode ?? []))
    return inputs.map((input, i) => {
      const { postcode, outcode } = keys[i] as (typeof keys)[number]
      const hasCoordinates =
        input.latitude !== null &&
        input.latitude !== undefined &&
        input.longitude !== null &&
        input.longitude !== undefined
      const point = choosePoint({
        postcodeCentroid: postcode ? (postcodeCentroids.get(postcode) ?? null) : null,
        coordinates: hasCoordinates
          ? {
              latitude: input.latitude as number,
              longitude: input.longitude as number,
              source: input.coordinatesSource ?? 'manual',
            }
          : null,
        outcodeCentroid: outcode ? (this.outcodeCentroids.get(outcode) ?? null) : null,
      })
      const located =
        point.latitude === null || point.longitude === null
          ? null
          : { latitude: point.latitude, longitude: point.longitude }
      const district = districtFor(outcode, located, this.districts)
      return {
        ...point,
        outcode,
        localityId: district?.localityId ?? null,
        pcnAreaId: district?.pcnAreaId ?? null,
        inCouncilArea: this.districts.size === 0 ? null : district !== null,
      }
    })
  }

  private async postcodeCentroids(keys: string[]): Promise<Map<string, Point>> {
    const unique = [...new Set(keys)]
    if (unique.length === 0) return new Map()
    const rows = await centroidsOf(this.db, 'postcodes', 'postcode', unique)
    return new Map(rows.map((r) => [r.key, { latitude: r.latitude, longitude: r.longitude }]))
  }

  private async loadOutcodes(keys: string[]): Promise<void> {
    const missing = [...new Set(keys)].filter((key) => !this.outcodeCentroids.has(key))
    if (missing.length === 0) return
    const rows = await centroidsOf(this.db, 'outcodes', 'outcode', missing)
    for (const key of missing) this.outcodeCentroids.set(key, null)
    for (const r of rows) this.outcodeCentroids.set(r.key, { latitude: r.latitude, longitude: r.longitude })
  }
}

/** Centroids for many keys in one query, the keys passed as one JSON parameter (an import asks for 500 at once). */
async function centroidsOf(
  db: Queryable,
  table: 'postcodes' | 'outcodes',
  key: 'postcode' | 'outcode',
  keys: string[],
): Promise<{ key: string; latitude: number; longitude: number }[]> {
  const result = await db.execute(sql`
    select ${sql.identifier(key)} as key, latitude, longitude from ${sql.identifier(table)}
    where ${sql.identifier(key)} = any(array(select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb)))`)
  return (result as unknown as { rows: { key: string; latitude: number; longitude: number }[] }).rows
}

function checkLocateInput(input: LocateInput): void {
  const errors: { field: string; message: string }[] = []
  const postcode = input.postcode?.trim()
  if (postcode && !outcodeOf(postcode))
    errors.push({
      field: 'postcode',
      message: 'Enter a real postcode, like NR1 3QE, or its district, like NR1',
    })
  const hasLatitude = input.latitude !== null && input.latitude !== undefined
  const hasLongitude = input.longitude !== null && input.longitude !== undefined
  if (hasLatitude !== hasLongitude)
    errors.push({
      field: hasLatitude ? 'longitude' : 'latitude',
      message: 'Enter both latitude and longitude',
    })
  if (hasLatitude && !(Math.abs(input.latitude as number) <= 90))
    errors.push({ field: 'latitude', message: 'Latitude must be a number from -90 to 90' })
  if (hasLongitude && !(Math.abs(input.longitude as number) <= 180))
    errors.push({ field: 'longitude', message: 'Longitude must be a number from -180 to 180' })
  if (errors.length > 0) throw new ValidationError(errors)
}

/**
 * Where a place is, and which of the council's localities and PCN areas it falls in.
 *
 * Coordinates come from the full postcode's centroid when the postcode table has it, else from
 * coordinates given as the postcode's own, else from the district centroid, else from coordinates
 * a commissioner entered. Locality and PCN come from the council's district table by outcode;
 * when the outcode is not one of the council's districts but the place has coordinates, the
 * council district with the nearest centroid stands in, if it is within 15 miles (a place just
 * over the boundary is served by the nearest locality; one further away has none).
 */
export async function locate(db: Queryable, councilId: number, input: LocateInput): Promise<Placement> {
  checkLocateInput(input)
  const locator = await Locator.forCouncil(db, councilId)
  const [placement] = await locator.locateAll([input])
  return placement as Placement
}

// ---------------------------------------------------------------------------------------------
// Localities

/** The council's localities (its operational areas), by name. */
export async function listLocalities(
  db: Queryable,
  councilId: number,
): Promise<{ id: number; name: string }[]> {
  return db
    .select({ id: localities.id, name: localities.name })
    .from(localities)
    .where(eq(localities.councilId, councilId))
    .orderBy(asc(localities.name), asc(localities.id))
}

/** The council's PCN areas, by name, with the locality each lies in. */
async function listPcnAreas(
  db: Queryable,
  councilId: number,
): Promise<{ id: number; name: string; localityId: number }[]> {
  return db
    .select({ id: pcnAreas.id, name: pcnAreas.name, localityId: pcnAreas.localityId })
    .from(pcnAreas)
    .where(eq(pcnAreas.councilId, councilId))
    .orderBy(asc(pcnAreas.name), asc(pcnAreas.id))
}

/** The council's localities and PCN areas, each by name: what list filters offer. */
export async function areaChoices(db: Queryable, councilId: number) {
  const [localities, pcnAreas] = await Promise.all([
    listLocalities(db, councilId),
    listPcnAreas(db, councilId),
  ])
  return { localities, pcnAreas }
}

// ---------------------------------------------------------------------------------------------
// Importing postcode and district centroids

const KEY_COLUMNS = ['postcode', 'pcds', 'pcd', 'pcd2', 'outcode'] as const
const LATITUDE_COLUMNS = ['latitude', 'lat'] as const
const LONGITUDE_COLUMNS = ['longitude', 'long', 'lng', 'lon'] as const
export const CENTROID_HEADERS =
  'postcode (or outcode, pcd, pcds), latitude (or lat) and longitude (or long, lng)'

// Two tables of two floats and a short key: 1,000 rows is one quick statement each.
const CENTROID_BATCH = 1_000
// A national postcode file has many rows without coordinates; list the first ones, count the rest.
const MAX_LISTED_REJECTIONS = 1_000

export interface CentroidImportReport {
  postcodes: number
  outcodes: number
  /** Rows not loaded, with the line and the reason; at most the first 1,000. */
  rejected: { line: number; reason: string }[]
  rejectedCount: number
}

function findColumn(header: string[], names: readonly string[]): number | undefined {
  const keys = header.map((name) => name.trim().toLowerCase())
  for (const name of names) {
    const index = keys.indexOf(name)
    if (index !== -1) return index
  }
  return undefined
}

interface Batch {
  postcodes: Map<string, Point>
  outcodes: Map<string, Point>
}

async function upsertCentroids(db: Queryable, batch: Batch): Promise<void> {
  if (batch.postcodes.size > 0) {
    const rows = JSON.stringify([...batch.postcodes].map(([key, p]) => ({ key, ...p })))
    await db.execute(sql`
      insert into postcodes (postcode, latitude, longitude)
      select key, latitude, longitude
      from jsonb_to_recordset(${rows}::jsonb) as r(key text, latitude float8, longitude float8)
      on conflict (postcode) do update set latitude = excluded.latitude, longitude = excluded.longitude`)
  }
  if (batch.outcodes.size > 0) {
    const rows = JSON.stringify([...batch.outcodes].map(([key, p]) => ({ key, ...p })))
    await db.execute(sql`
      insert into outcodes (outcode, latitude, longitude)
      select key, latitude, longitude
      from jsonb_to_recordset(${rows}::jsonb) as r(key text, latitude float8, longitude float8)
      on conflict (outcode) do update set latitude = excluded.latitude, longitude = excluded.longitude`)
  }
}

/**
 * Loads postcode and postcode-district centroids from a CSV with a header row naming a postcode
 * (or outcode) column, a latitude and a longitude. Each key is filed by its shape: a full
 * postcode goes to the postcode table, a district to the outcode table, so one column may hold
 * both. The file streams through in batches, inside one transaction: a file that fails part-way
 * leaves nothing behind. Rows that cannot be used are reported with their line and skipped.
 */
export async function importCentroids(
  db: Database,
  input: Readable,
  options: { onRows?: (rows: number) => void } = {},
): Promise<CentroidImportReport> {
  const report: CentroidImportReport = { postcodes: 0, outcodes: 0, rejected: [], rejectedCount: 0 }
  const reject = (line: number, reason: string) => {
    report.rejectedCount++
    if (report.rejected.length < MAX_LISTED_REJECTIONS) report.rejected.push({ line, reason })
  }
  await db.transaction(async (tx) => {
    const parser = csvParse({
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    })
    // pipeline destroys both streams on an error at either end, so the file is always released.
    pipeline(input, parser, () => {})
    let columns: { key: number; latitude: number; longitude: number } | undefined
    let batch: Batch = { postcodes: new Map(), outcodes: new Map() }
    let rows = 0
    const flush = async () => {
      await upsertCentroids(tx, batch)
      report.postcodes += batch.postcodes.size
      report.outcodes += batch.outcodes.size
      batch = { postcodes: new Map(), outcodes: new Map() }
      options.onRows?.(rows)
    }
    try {
      for await (const { record, info } of parser as AsyncIterable<{
        record: string[]
        info: { lines: number }
      }>) {
        if (!columns) {
          columns = centroidColumns(record)
          continue
        }
        rows++
        const line = info.lines
        const rawKey = record[columns.key] ?? ''
        const key = centroidKey(rawKey)
        const latitude = parseCoordinate(record[columns.latitude], 'latitude')
        const longitude = parseCoordinate(record[columns.longitude], 'longitude')
        if (!key) reject(line, rawKey ? `not a postcode or postcode district "${rawKey}"` : 'no postcode')
        else if (latitude === null || longitude === null)
          reject(line, `no usable coordinates for ${key.value}`)
        else
          (key.kind === 'postcode' ? batch.postcodes : batch.outcodes).set(key.value, { latitude, longitude })
        if (batch.postcodes.size + batch.outcodes.size >= CENTROID_BATCH) await flush()
      }
    } catch (error) {
      if (error instanceof CsvError)
        throw new ValidationError([{ field: 'file', message: `The file is not valid CSV: ${error.message}` }])
      throw error
    }
    if (!columns)
      throw new ValidationError([
        { field: 'file', message: `The file is empty. Expected ${CENTROID_HEADERS}.` },
      ])
    await flush()
  })
  return report
}

function centroidColumns(header: string[]) {
  const key = findColumn(header, KEY_COLUMNS)
  const latitude = findColumn(header, LATITUDE_COLUMNS)
  const longitude = findColumn(header, LONGITUDE_COLUMNS)
  if (key === undefined || latitude === undefined || longitude === undefined) {
    const missing = [
      key === undefined ? 'postcode' : null,
      latitude === undefined ? 'latitude' : null,
      longitude === undefined ? 'longitude' : null,
    ].filter(Boolean)
    throw new ValidationError([
      {
        field: 'file',
        message:
          `The file has no ${missing.join(', ')} column. Expected a header row with columns ${CENTROID_HEADERS}; ` +
          `the first row is "${header.join(',')}".`,
      },
    ])
  }
  return { key, latitude, longitude }
}
