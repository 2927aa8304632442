// Writes CQC location records into a council's register: the one pipeline of the file import
// (import.ts) and the import from CQC's API (api-import.ts). A RegisterWriter works inside the
// transaction it is given; each import decides how much one transaction holds.
import { and, eq, sql } from 'drizzle-orm'
import type { Actor } from '../../audit/service.ts'
import type { Transaction } from '../../db/connection.ts'
import type { Locator } from '../../geography/service.ts'
import {
  type KeyQuestionRatingEntry,
  recordCqcRatings,
  recordKeyQuestionRatings,
} from '../quality/service.ts'
import { cqcImports, locations } from '../schema.ts'
import type { CqcRating } from '../vocabulary.ts'
import {
  type CurrentLocation,
  inLocalAuthority,
  isCareService,
  knownCoordinates,
  type LocationValues,
  localAuthorityKey,
  locationChanged,
  locationValuesFrom,
  newRating,
} from './import-rules.ts'
import type { CqcFormat, CqcLocationRecord, RejectedRow } from './records.ts'
import {
  type DeregistrationCause,
  type RegisterChange,
  type RegisterEventTally,
  type RegisterImport,
  registerChange,
  registerEvents,
} from './register-events.ts'

interface ProviderRow {
  id: number
  name: string
}

/** Who writes, for which council: a file import's or an API import's options. */
interface WriterOptions {
  councilId: number
  actor: Actor
}

/** What a RegisterWriter has done so far. */
export interface WriterCounts {
  added: number
  updated: number
  unchanged: number
  deactivated: number
  ratingsAdded: number
  providersAdded: number
}

/** The state of one import's writes inside a transaction. */
export class RegisterWriter {
  readonly rejected: RejectedRow[] = []
  private readonly seen = new Set<string>()
  private readonly laKey: string | null
  readonly counts: WriterCounts = {
    added: 0,
    updated: 0,
    unchanged: 0,
    deactivated: 0,
    ratingsAdded: 0,
    providersAdded: 0,
  }
  readonly skipped = { otherLocalAuthority: 0, notCareService: 0 }
  /** What listeners recorded because of the register's changes. */
  readonly marketEvents: RegisterEventTally = { recorded: 0, withdrawn: 0 }

  constructor(
    private readonly tx: Transaction,
    private readonly format: CqcFormat,
    localAuthority: string | null,
    private readonly options: WriterOptions,
    private readonly locator: Locator,
    private readonly register: { registerImport: RegisterImport; registerHadLocations: boolean },
  ) {
    this.laKey = localAuthority === null ? null : localAuthorityKey(localAuthority)
  }

  /** Whether a good row belongs in this council's register. */
  keep(record: CqcLocationRecord): boolean {
    if (!inLocalAuthority(record, this.laKey)) {
      this.skipped.otherLocalAuthority++
      return false
    }
    if (!isCareService(record)) {
      this.skipped.notCareService++
      return false
    }
    return true
  }

  /** Adds, updates or leaves each location of a batch, with its provider, place and rating history. */
  async writeBatch(batch: CqcLocationRecord[]): Promise<void> {
    if (batch.length === 0) return
    const councilId = this.options.councilId
    const providerIds = await this.upsertProviders(batch)
    const current = await this.currentLocations(batch.map((r) => r.cqcLocationId))
    const placements = await this.locator.locateAll(
      batch.map((record) => {
        const known = knownCoordinates(record, current.get(record.cqcLocationId))
        return {
          postcode: record.postcode,
          latitude: known?.latitude ?? null,
          longitude: known?.longitude ?? null,
          coordinatesSource: known?.source,
        }
      }),
    )
    const inserts: (LocationValues & { cqcLocationId: string })[] = []
    const updates: (LocationValues & { id: number })[] = []
    const ratings: { cqcLocationId: string; rating: CqcRating; ratedOn: string }[] = []
    const keyQuestionRatings: (Omit<KeyQuestionRatingEntry, 'locationId'> & { cqcLocationId: string })[] = []
    const changes: { cqcLocationId: string; providerOrganisationId: number; change: RegisterChange }[] = []
    batch.forEach((record, i) => {
      this.seen.add(record.cqcLocationId)
      const existing = current.get(record.cqcLocationId)
      const placement = placements[i]
      const values = locationValuesFrom(
        record,
        this.format,
        existing,
        providerIds.get(record.cqcProviderId) as number,
        {
          latitude: placement?.latitude ?? null,
          longitude: placement?.longitude ?? null,
          localityId: placement?.localityId ?? null,
          pcnAreaId: placement?.pcnAreaId ?? null,
          geoSource: placement?.source ?? null,
        },
      )
      if (!existing) inserts.push({ ...values, cqcLocationId: record.cqcLocationId })
      else if (locationChanged(existing, values)) updates.push({ ...values, id: existing.id })
      else this.counts.unchanged++
      const change = registerChange(existing, values.registeredBeds, this.register.registerHadLocations)
      if (change)
        changes.push({
          cqcLocationId: record.cqcLocationId,
          providerOrganisationId: values.providerOrganisationId,
          change,
        })
      for (const entry of record.keyQuestionRatings)
        keyQuestionRatings.push({ cqcLocationId: record.cqcLocationId, ...entry })
      const rating = newRating(existing, values)
      if (rating)
        ratings.push({
          cqcLocationId: record.cqcLocationId,
          rating: rating.rating as CqcRating,
          ratedOn: rating.ratedOn,
        })
    })
    const ids = new Map([...current].map(([cqcId, row]) => [cqcId, row.id]))
    for (const [cqcId, id] of await this.insertLocations(councilId, inserts)) ids.set(cqcId, id)
    await this.updateLocations(councilId, updates)
    this.counts.added += inserts.length
    this.counts.updated += updates.length
    if (changes.length > 0)
      await registerEvents.emit(
        'registerChanged',
        {
          import: this.register.registerImport,
          changes: changes.map(({ cqcLocationId, ...rest }) => ({
            ...rest,
            locationId: ids.get(cqcLocationId) as number,
          })),
          tally: this.marketEvents,
        },
        this.tx,
      )
    // Only new ratings: a location's own columns still hold one recorded before history was kept.
    const recorded = await recordCqcRatings(
      this.tx,
      councilId,
      ratings.map((r) => ({
        locationId: ids.get(r.cqcLocationId) as number,
        rating: r.rating,
        ratedOn: r.ratedOn,
      })),
      this.options.actor,
    )
    this.counts.ratingsAdded += recorded.added
    // History only, as the overall rating's: the same ratings again change nothing.
    await recordKeyQuestionRatings(
      this.tx,
      councilId,
      keyQuestionRatings.map(({ cqcLocationId, ...entry }) => ({
        ...entry,
        locationId: ids.get(cqcLocationId) as number,
      })),
      this.options.actor,
    )
  }

  private async upsertProviders(batch: CqcLocationRecord[]): Promise<Map<string, number>> {
    const councilId = this.options.councilId
    // The first name the batch gives a provider is the one kept (rows of one provider agree).
    const named = new Map<string, string | null>()
    for (const record of batch) {
      const name = named.get(record.cqcProviderId)
      if (name === undefined || name === null) named.set(record.cqcProviderId, record.providerName)
    }
    const rows = rowsOf<ProviderRow & { cqcProviderId: string }>(
      await this.tx.execute(sql`
        select id, cqc_provider_id as "cqcProviderId", name from provider_organisations
        where council_id = ${councilId}
          and cqc_provider_id = any(array(select jsonb_array_elements_text(${JSON.stringify([...named.keys()])}::jsonb)))`),
    )
    const known = new Map<string, ProviderRow>(rows.map((r) => [r.cqcProviderId, r]))
    const renamed: { id: number; name: string }[] = []
    const added: { cqcProviderId: string; name: string }[] = []
    for (const [cqcProviderId, name] of named) {
      const existing = known.get(cqcProviderId)
      // API files name no provider: keep the name on record, or use the ID until a file names it.
      if (!existing) added.push({ cqcProviderId, name: name ?? cqcProviderId })
      else if (name !== null && name !== existing.name) renamed.push({ id: existing.id, name })
    }
    const ids = new Map([...known].map(([cqcId, row]) => [cqcId, row.id]))
    if (added.length > 0) {
      const inserted = rowsOf<{ id: number; cqc_provider_id: string }>(
        await this.tx.execute(sql`
          insert into provider_organisations (council_id, cqc_provider_id, name)
          select ${councilId}, v.cqc_provider_id, v.name
          from jsonb_to_recordset(${JSON.stringify(added.map((p) => ({ cqc_provider_id: p.cqcProviderId, name: p.name })))}::jsonb)
            as v(cqc_provider_id text, name text)
          returning id, cqc_provider_id`),
      )
      for (const row of inserted) ids.set(row.cqc_provider_id, row.id)
      this.counts.providersAdded += inserted.length
    }
    if (renamed.length > 0) {
      await this.tx.execute(sql`
        update provider_organisations as p set name = v.name, updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(renamed)}::jsonb) as v(id int, name text)
        where p.id = v.id and p.council_id = ${councilId}`)
    }
    return ids
  }

  private async currentLocations(cqcLocationIds: string[]): Promise<Map<string, CurrentLocation>> {
    // The IDs go as one JSON parameter: building 500 bound parameters costs more than the query.
    // "= any(array(...))" keeps to the unique index even while a new table has no statistics,
    // where "in (select ...)" can be planned as a nested loop of sequential scans.
    const rows = rowsOf<CurrentLocation & { cqcLocationId: string }>(
      await this.tx.execute(sql`
        select id, cqc_location_id as "cqcLocationId", active,
          provider_organisation_id as "providerOrganisationId", name, address, postcode, latitude, longitude,
          registered_beds as "registeredBeds", service_types as "serviceTypes", specialisms,
          client_groups as "clientGroups", cqc_rating as "cqcRating", cqc_rating_date as "cqcRatingDate",
          locality_id as "localityId", pcn_area_id as "pcnAreaId", geo_source as "geoSource"
        from locations
        where council_id = ${this.options.councilId}
          and cqc_location_id = any(array(select jsonb_array_elements_text(${JSON.stringify(cqcLocationIds)}::jsonb)))`),
    )
    return new Map(rows.map(({ cqcLocationId, ...row }) => [cqcLocationId, row]))
  }

  private async insertLocations(
    councilId: number,
    rows: (LocationValues & { cqcLocationId: string })[],
  ): Promise<Map<string, number>> {
    if (rows.length === 0) return new Map()
    const inserted = rowsOf<{ id: number; cqc_location_id: string }>(
      await this.tx.execute(sql`
        insert into locations (
          council_id, cqc_location_id, provider_organisation_id, name, address, postcode, latitude, longitude,
          registered_beds, service_types, specialisms, client_groups, cqc_rating, cqc_rating_date,
          locality_id, pcn_area_id, geo_source)
        select ${councilId}, v.cqc_location_id, v.provider_organisation_id, v.name, v.address, v.postcode,
          v.latitude, v.longitude, v.registered_beds, v.service_types, v.specialisms, v.client_groups,
          v.cqc_rating, v.cqc_rating_date, v.locality_id, v.pcn_area_id, v.geo_source
        from jsonb_to_recordset(${JSON.stringify(rows.map(toJsonRow))}::jsonb) as v(${LOCATION_RECORD_COLUMNS},
          cqc_location_id text)
        returning id, cqc_location_id`),
    )
    return new Map(inserted.map((row) => [row.cqc_location_id, row.id]))
  }

  private async updateLocations(councilId: number, rows: (LocationValues & { id: number })[]): Promise<void> {
    if (rows.length === 0) return
    await this.tx.execute(sql`
      update locations as l set
        provider_organisation_id = v.provider_organisation_id, name = v.name, address = v.address,
        postcode = v.postcode, latitude = v.latitude, longitude = v.longitude,
        registered_beds = v.registered_beds, service_types = v.service_types,
        client_groups = v.client_groups, cqc_rating = v.cqc_rating, cqc_rating_date = v.cqc_rating_date,
        locality_id = v.locality_id, pcn_area_id = v.pcn_area_id, geo_source = v.geo_source,
        active = true, deactivated_at = null, updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(rows.map(toJsonRow))}::jsonb) as v(${LOCATION_RECORD_COLUMNS}, id int)
      where l.id = v.id and l.council_id = ${councilId}`)
  }

  /** Marks the council's active locations that the file did not list as inactive; never deletes. */
  async deactivateMissing(): Promise<void> {
    const rows = rowsOf<DeactivatedRow>(
      await this.tx.execute(sql`
        update locations set active = false, deactivated_at = now(), updated_at = now()
        where council_id = ${this.options.councilId} and active and regulator = 'cqc'
          and cqc_location_id not in (select jsonb_array_elements_text(${JSON.stringify([...this.seen])}::jsonb))
        returning id, provider_organisation_id, registered_beds`),
    )
    await this.deactivated(rows, 'missing_from_full_file')
  }

  /** Marks these active locations of the council inactive: CQC says they are deregistered. */
  async deactivate(cqcLocationIds: string[]): Promise<void> {
    if (cqcLocationIds.length === 0) return
    const rows = rowsOf<DeactivatedRow>(
      await this.tx.execute(sql`
        update locations set active = false, deactivated_at = now(), updated_at = now()
        where council_id = ${this.options.councilId} and active and regulator = 'cqc'
          and cqc_location_id = any(array(select jsonb_array_elements_text(${JSON.stringify(cqcLocationIds)}::jsonb)))
        returning id, provider_organisation_id, registered_beds`),
    )
    await this.deactivated(rows, 'deregistered_by_cqc')
  }

  private async deactivated(rows: DeactivatedRow[], cause: DeregistrationCause): Promise<void> {
    this.counts.deactivated += rows.length
    if (rows.length > 0)
      await registerEvents.emit(
        'locationsDeregistered',
        {
          import: this.register.registerImport,
          cause,
          locations: rows.map((r) => ({
            locationId: Number(r.id),
            providerOrganisationId: Number(r.provider_organisation_id),
            registeredBeds: r.registered_beds === null ? null : Number(r.registered_beds),
          })),
          tally: this.marketEvents,
        },
        this.tx,
      )
  }
}

interface DeactivatedRow {
  id: number
  provider_organisation_id: number
  registered_beds: number | null
}

const LOCATION_RECORD_COLUMNS = sql.raw(
  [
    'provider_organisation_id int',
    'name text',
    'address text',
    'postcode text',
    'latitude float8',
    'longitude float8',
    'registered_beds int',
    'service_types text[]',
    'specialisms text[]',
    'client_groups text[]',
    'cqc_rating text',
    'cqc_rating_date date',
    'locality_id int',
    'pcn_area_id int',
    'geo_source text',
  ].join(', '),
)

function toJsonRow(row: LocationValues & { id?: number; cqcLocationId?: string }) {
  return {
    id: row.id,
    cqc_location_id: row.cqcLocationId,
    provider_organisation_id: row.providerOrganisationId,
    name: row.name,
    address: row.address,
    postcode: row.postcode,
    latitude: row.latitude,
    longitude: row.longitude,
    registered_beds: row.registeredBeds,
    service_types: row.serviceTypes,
    specialisms: row.specialisms,
    client_groups: row.clientGroups,
    cqc_rating: row.cqcRating,
    cqc_rating_date: row.cqcRatingDate,
    locality_id: row.localityId,
    pcn_area_id: row.pcnAreaId,
    geo_source: row.geoSource,
  }
}

/** Whether the council's register had any of CQC's locations before this import. */
export async function hasLocations(tx: Transaction, councilId: number): Promise<boolean> {
  const [any] = await tx
    .select({ id: locations.id })
    .from(locations)
    .where(and(eq(locations.councilId, councilId), eq(locations.regulator, 'cqc')))
    .limit(1)
  return any !== undefined
}

/** When the council's last completed import finished, or null before the first. */
export async function previousImportAt(tx: Transaction, councilId: number): Promise<Date | null> {
  const [last] = await tx
    .select({ at: sql<Date | string | null>`max(${cqcImports.finishedAt})` })
    .from(cqcImports)
    .where(and(eq(cqcImports.councilId, councilId), eq(cqcImports.status, 'completed')))
  return last?.at ? new Date(last.at) : null
}

/** Rows of a raw query, whichever driver ran it (both return { rows }). */
function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows
}
