import { listCouncils, providerUserEmailsByOrganisation } from '../../accounts/service.ts'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { type FieldError, NotFoundError, ValidationError } from '../../errors.ts'
import { listLocalities } from '../../geography/service.ts'
import type { ScheduledJob } from '../../notifications/sender.ts'
import { enqueueEmail, lastEmailed } from '../../notifications/service.ts'
import { formatLondonDate } from '../../shared/dates.ts'
import { byDistrict, coverageOf, coversDistricts, type OrganisationScope } from '../profile/service.ts'
import { newestBedVacancies, newestDayPlaces, newestSpareHomeCare } from '../reporting/capacity.ts'
import { BED_TYPES, type BedType } from '../vocabulary.ts'
import {
  type Availability,
  bedTotalProblem,
  bedTypeLabel,
  bedTypesFor,
  type Freshness,
  freshness,
  isBedType,
  parsePlacesPerDay,
  parseSpareHours,
  parseVacancies,
  reminderBody,
  reportsBeds,
  reportsDayPlaces,
  STALE_AFTER_DAYS,
  singleBedTypeProblem,
  staleSince,
  summariseAvailability,
} from './rules.ts'
import {
  type ActiveLocation,
  activeLocations,
  activeLocationsWithOrganisation,
  insertReports,
  type LocationRow,
  lastReported,
  lockReminders,
  organisationLocations,
} from './store.ts'

export type CapacitySource = 'web' | 'csv' | 'api'

// Brokerage reads one figure for many locations at once (the request's bed type or district):
// one query for all of them, never one per location.

export interface LatestCapacity {
  available: number
  reportedAt: Date
}

/** The newest vacancy report for one bed type, per location. */
export async function latestVacanciesForBedType(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
  bedType: string,
): Promise<Map<number, LatestCapacity>> {
  const rows = await newestBedVacancies(db, councilId, locationIds, { bedType })
  return new Map(rows.map((r) => [r.locationId, { available: r.vacancies, reportedAt: r.reportedAt }]))
}

/** The newest spare home care minutes a week in one postcode district, per location. */
export async function latestSpareMinutesInDistrict(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
  outcode: string,
): Promise<Map<number, LatestCapacity>> {
  const rows = await newestSpareHomeCare(db, councilId, locationIds, { outcode })
  return new Map(
    rows.map((r) => [r.locationId, { available: r.spareMinutesPerWeek, reportedAt: r.reportedAt }]),
  )
}

/** The newest spare places a day of each day service, per location. */
export async function latestDayPlaces(
  db: Queryable,
  councilId: number,
  locationIds: readonly number[],
): Promise<Map<number, LatestCapacity>> {
  const rows = await newestDayPlaces(db, councilId, locationIds)
  return new Map(rows.map((r) => [r.locationId, { available: r.placesPerDay, reportedAt: r.reportedAt }]))
}

export interface LocationCapacity {
  locationId: number
  cqcLocationId: string
  name: string
  registeredBeds: number | null
  reportsBeds: boolean
  reportsHomeCare: boolean
  /** A day service: reports spare places a day. */
  reportsDayPlaces: boolean
  dayPlaces: { placesPerDay: number; reportedAt: Date } | null
  /** The bed types the form asks about: those it is registered for, and any it has reported. */
  bedTypes: BedType[]
  beds: { bedType: string; vacancies: number; reportedAt: Date }[]
  /** The districts it covers, and any others it once reported, with the latest figure if any. */
  homeCare: {
    outcode: string
    covered: boolean
    spareMinutesPerWeek: number | null
    reportedAt: Date | null
  }[]
  lastReportedAt: Date | null
  freshness: Freshness
}

/** The latest capacity of each of the organisation's active locations, for its page and API. */
export async function getProviderCapacity(
  db: Queryable,
  scope: OrganisationScope,
  now = new Date(),
): Promise<LocationCapacity[]> {
  const own = (await organisationLocations(db, scope)).filter((l) => l.active)
  const ids = own.map((l) => l.id)
  const [beds, homeCare, coverage, dayPlaces] = [
    await newestBedVacancies(db, scope.councilId, ids),
    await newestSpareHomeCare(db, scope.councilId, ids),
    await coverageOf(db, scope.councilId, ids),
    await newestDayPlaces(db, scope.councilId, ids),
  ]
  return own.map((location) => {
    const itsBeds = beds.filter((b) => b.locationId === location.id)
    const itsHomeCare = homeCare.filter((h) => h.locationId === location.id)
    const covered = coverage.get(location.id) ?? []
    const outcodes = [...new Set([...covered, ...itsHomeCare.map((h) => h.outcode)])].sort(byDistrict)
    const itsDayPlaces = dayPlaces.find((d) => d.locationId === location.id)
    const times = [...itsBeds, ...itsHomeCare, ...(itsDayPlaces ? [itsDayPlaces] : [])].map((r) =>
      r.reportedAt.getTime(),
    )
    const lastReportedAt = times.length > 0 ? new Date(Math.max(...times)) : null
    const registered = bedTypesFor(location)
    return {
      locationId: location.id,
      cqcLocationId: location.cqcLocationId,
      name: location.name,
      registeredBeds: location.registeredBeds,
      reportsBeds: reportsBeds(location),
      reportsHomeCare: coversDistricts(location) || covered.length > 0,
      reportsDayPlaces: reportsDayPlaces(location),
      dayPlaces: itsDayPlaces
        ? { placesPerDay: itsDayPlaces.placesPerDay, reportedAt: itsDayPlaces.reportedAt }
        : null,
      bedTypes: BED_TYPES.filter(
        (type) => registered.includes(type) || itsBeds.some((b) => b.bedType === type),
      ),
      beds: itsBeds.map(({ bedType, vacancies, reportedAt }) => ({ bedType, vacancies, reportedAt })),
      homeCare: outcodes.map((outcode) => {
        const latest = itsHomeCare.find((h) => h.outcode === outcode)
        return {
          outcode,
          covered: covered.includes(outcode),
          spareMinutesPerWeek: latest?.spareMinutesPerWeek ?? null,
          reportedAt: latest?.reportedAt ?? null,
        }
      }),
      lastReportedAt,
      freshness: freshness(lastReportedAt, now),
    }
  })
}

/**
 * One figure to record. A row is about beds (bedType and vacancies), home care (outcode and
 * spareHoursPerWeek) or a day service (placesPerDay), and names its location by our ID or by its
 * CQC location ID (or the council's ID of a service it accredits).
 */
export interface CapacityInput {
  /** Where errors about this row belong: a form field, a CSV line, a position in an API array. */
  field: string
  /** Put before every message about the row, like "Line 3"; the location's name always follows. */
  label?: string
  locationId?: number
  cqcLocationId?: string
  bedType?: string
  vacancies?: unknown
  outcode?: string
  spareHoursPerWeek?: unknown
  placesPerDay?: unknown
}

type ValidRow = { input: CapacityInput; location: LocationRow } & (
  | { kind: 'beds'; bedType: BedType; vacancies: number }
  | { kind: 'home_care'; outcode: string; spareMinutesPerWeek: number }
  | { kind: 'day_places'; placesPerDay: number }
)

type ReportProblem = (row: CapacityInput, location: LocationRow | undefined, text: string) => void

/**
 * Records a batch of capacity figures from one of the organisation's users: every row or none.
 * Every problem in the batch is reported at once, each naming its row and location. A row naming
 * by our ID a location outside the organisation makes the whole request 404, as elsewhere.
 */
export async function recordCapacity(
  db: Database,
  scope: OrganisationScope,
  actor: Actor,
  rows: CapacityInput[],
  options: { source: CapacitySource; now?: Date },
): Promise<{ saved: number; reportedAt: Date }> {
  const now = options.now ?? new Date()
  if (rows.length === 0)
    throw new ValidationError([{ field: 'capacity', message: 'Enter at least one capacity figure' }])
  if (rows.length > MAX_BATCH)
    throw new ValidationError([
      {
        field: 'capacity',
        message: `Send ${MAX_BATCH.toLocaleString('en-GB')} capacity figures or fewer at once`,
      },
    ])

  return db.transaction(async (tx) => {
    const own = await organisationLocations(tx, scope)
    const errors: FieldError[] = []
    const problem: ReportProblem = (row, location, text) => {
      const prefix = [row.label, location?.name].filter(Boolean).join(': ')
      errors.push({ field: row.field, message: prefix ? `${prefix}: ${text}` : capitalise(text) })
    }
    const valid = validateRows(own, rows, problem)
    await checkAgainstWhatIsKnown(tx, scope, valid, now, problem)
    if (errors.length > 0) throw new ValidationError(errors)

    const reportedBy = actor.kind === 'user' ? actor.email : actor.label
    const common = { councilId: scope.councilId, reportedAt: now, reportedBy, source: options.source }
    const bedRows = valid.flatMap((r) =>
      r.kind === 'beds'
        ? [{ ...common, locationId: r.location.id, bedType: r.bedType, vacancies: r.vacancies }]
        : [],
    )
    const homeCareRows = valid.flatMap((r) =>
      r.kind === 'home_care'
        ? [
            {
              ...common,
              locationId: r.location.id,
              outcode: r.outcode,
              spareMinutesPerWeek: r.spareMinutesPerWeek,
            },
          ]
        : [],
    )
    const dayPlaceRows = valid.flatMap((r) =>
      r.kind === 'day_places' ? [{ ...common, locationId: r.location.id, placesPerDay: r.placesPerDay }] : [],
    )
    await insertReports(tx, bedRows, homeCareRows, dayPlaceRows)
    await recordAudit(tx, actor, {
      councilId: scope.councilId,
      action: 'capacity.reported',
      entityType: 'provider_organisation',
      entityId: scope.providerOrganisationId,
      details: {
        source: options.source,
        bedReports: bedRows.length,
        homeCareReports: homeCareRows.length,
        dayPlaceReports: dayPlaceRows.length,
        locationIds: [...new Set(valid.map((r) => r.location.id))],
      },
    })
    return { saved: valid.length, reportedAt: now }
  })
}

const MAX_BATCH = 10_000

/** Checks each row on its own: which location, which kind of figure, and whether the value is one. */
function validateRows(own: LocationRow[], rows: CapacityInput[], problem: ReportProblem): ValidRow[] {
  const byId = new Map(own.map((l) => [l.id, l]))
  const byCqcId = new Map(own.map((l) => [l.cqcLocationId.toUpperCase(), l]))
  const valid: ValidRow[] = []
  for (const input of rows) {
    let location: LocationRow | undefined
    if (input.locationId !== undefined) {
      location = byId.get(input.locationId)
      if (!location) throw new NotFoundError('No such location')
    } else if (input.cqcLocationId?.trim()) {
      const cqcId = input.cqcLocationId.trim()
      location = byCqcId.get(cqcId.toUpperCase())
      if (!location) {
        problem(
          input,
          undefined,
          `no location with CQC location ID ${cqcId.slice(0, 40)} belongs to your organisation`,
        )
        continue
      }
    } else {
      problem(input, undefined, 'say which location the figure is for')
      continue
    }
    if (!location.active) {
      problem(input, location, 'this location is no longer active, so it cannot report capacity')
      continue
    }
    const given = (value: unknown) => value !== undefined && value !== null && value !== ''
    const hasBeds = given(input.bedType?.trim()) || given(input.vacancies)
    const hasHomeCare = given(input.outcode?.trim()) || given(input.spareHoursPerWeek)
    const hasDayPlaces = given(input.placesPerDay)
    const kinds = [hasBeds, hasHomeCare, hasDayPlaces].filter(Boolean).length
    if (kinds !== 1) {
      problem(
        input,
        location,
        kinds > 1
          ? 'give one of: a bed type and vacancies, a postcode district and spare hours, or spare places a day'
          : 'give a bed type and vacancies, a postcode district and spare hours, or spare places a day',
      )
      continue
    }
    if (hasDayPlaces) {
      if (!reportsDayPlaces(location)) {
        problem(
          input,
          location,
          'only a day service reports spare places a day, and the register does not list day opportunities here',
        )
        continue
      }
      const places = parsePlacesPerDay(input.placesPerDay)
      if (!places.ok) {
        problem(input, location, places.problem)
        continue
      }
      valid.push({ input, location, kind: 'day_places', placesPerDay: places.value })
      continue
    }
    if (hasBeds) {
      const bedType = (input.bedType ?? '').trim().toLowerCase()
      if (!isBedType(bedType)) {
        problem(
          input,
          location,
          bedType
            ? `"${bedType.slice(0, 40)}" is not a bed type; use one of ${BED_TYPES.join(', ')}`
            : 'give the bed type',
        )
        continue
      }
      const subject = `${bedTypeLabel(bedType).toLowerCase()} beds`
      if (location.registeredBeds === null) {
        problem(
          input,
          location,
          'the register records no registered beds here, so it cannot report bed vacancies. Ask the council to correct the register',
        )
        continue
      }
      const vacancies = parseVacancies(input.vacancies)
      if (!vacancies.ok) {
        problem(input, location, `${subject}: ${vacancies.problem}`)
        continue
      }
      const tooMany = singleBedTypeProblem(location.registeredBeds, vacancies.value)
      if (tooMany) {
        problem(input, location, `${subject}: ${tooMany}`)
        continue
      }
      valid.push({ input, location, kind: 'beds', bedType, vacancies: vacancies.value })
    } else {
      const outcode = (input.outcode ?? '').trim().toUpperCase()
      if (!outcode) {
        problem(input, location, 'give the postcode district')
        continue
      }
      const hours = parseSpareHours(input.spareHoursPerWeek)
      if (!hours.ok) {
        problem(input, location, `${outcode.slice(0, 10)}: ${hours.problem}`)
        continue
      }
      valid.push({ input, location, kind: 'home_care', outcode, spareMinutesPerWeek: hours.value })
    }
  }
  return valid
}

/** Checks that need what is already recorded: coverage, repeated rows, and totals against beds. */
async function checkAgainstWhatIsKnown(
  tx: Queryable,
  scope: OrganisationScope,
  valid: ValidRow[],
  now: Date,
  problem: ReportProblem,
): Promise<void> {
  const locationIds = [...new Set(valid.map((r) => r.location.id))]
  const coverage = await coverageOf(tx, scope.councilId, locationIds)
  const current = await newestBedVacancies(tx, scope.councilId, locationIds, { since: staleSince(now) })
  const seen = new Set<string>()
  const batchBeds = new Map<number, { first: ValidRow; figures: Map<BedType, number> }>()
  for (const r of valid) {
    const key =
      r.kind === 'beds'
        ? `${r.location.id}/beds/${r.bedType}`
        : r.kind === 'home_care'
          ? `${r.location.id}/home/${r.outcode}`
          : `${r.location.id}/day`
    if (seen.has(key)) {
      problem(
        r.input,
        r.location,
        r.kind === 'beds'
          ? `${bedTypeLabel(r.bedType).toLowerCase()} beds are given more than once`
          : r.kind === 'home_care'
            ? `${r.outcode} is given more than once`
            : 'spare places a day are given more than once',
      )
      continue
    }
    if (r.kind === 'day_places') continue
    seen.add(key)
    if (r.kind === 'home_care') {
      const covered = coverage.get(r.location.id) ?? []
      if (!covered.includes(r.outcode))
        problem(
          r.input,
          r.location,
          covered.length === 0
            ? `no postcode districts are recorded as covered here, so it cannot report spare hours for ${r.outcode}. Add the districts it covers on your profile first`
            : `${r.outcode} is not one of the districts it covers (${covered.join(', ')}). Add it on your profile first`,
        )
    } else {
      const entry = batchBeds.get(r.location.id) ?? { first: r, figures: new Map<BedType, number>() }
      entry.figures.set(r.bedType, r.vacancies)
      batchBeds.set(r.location.id, entry)
    }
  }
  // The total is checked on the home's figures as they will stand: this batch over those
  // reported in the last 7 days. Older figures are stale and no longer count.
  for (const [locationId, { first, figures }] of batchBeds) {
    const standing = new Map<BedType, number>()
    for (const c of current)
      if (c.locationId === locationId && isBedType(c.bedType)) standing.set(c.bedType, c.vacancies)
    for (const [type, n] of figures) standing.set(type, n)
    const total = bedTotalProblem(first.location.registeredBeds ?? 0, standing)
    if (total) problem(first.input, first.location, total)
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

// ---- What commissioners see ----

export interface CapacitySummary {
  generatedAt: Date
  staleAfterDays: number
  /** How the percentages are worked out, in words, for the page and the API alike. */
  denominator: string
  beds: { localities: Availability[]; total: Availability }
  homeCare: {
    locations: number
    reportingLocations: number
    reportingPercent: number | null
    spareHoursPerWeek: number
    byDistrict: { outcode: string; spareHoursPerWeek: number; locations: number }[]
  }
}

export const DENOMINATOR =
  'Vacancies reported in the last 7 days ÷ registered beds of the care homes that reported in those 7 days. ' +
  'Homes that have not reported are left out of both. Respite vacancies are shown on their own and left out of the total, because a respite bed is usually also offered as another type.'

/** Which care homes a bed availability figure covers; every active one when empty. */
export interface CareHomeFilter {
  localityId?: number | null
  /** Homes registered for this service type (the register's vocabulary, e.g. nursing_home). */
  serviceType?: string | null
  /** Homes with every one of these specialisms. */
  specialisms?: readonly string[]
}

/**
 * % of care home beds available by locality and bed type as it stood at `now`: the newest report
 * of each bed type made in the 7 days up to then (a later report never hides an earlier one).
 */
async function availabilityOf(
  db: Queryable,
  councilId: number,
  active: readonly ActiveLocation[],
  now: Date,
  filter: CareHomeFilter,
): Promise<CapacitySummary['beds']> {
  const wanted = (l: ActiveLocation) =>
    (filter.localityId == null || l.localityId === filter.localityId) &&
    (!filter.serviceType || l.serviceTypes.includes(filter.serviceType)) &&
    (filter.specialisms ?? []).every((s) => l.specialisms.includes(s))
  const homes = active.flatMap((l) =>
    l.registeredBeds !== null && l.registeredBeds > 0 && wanted(l)
      ? [{ id: l.id, localityId: l.localityId, registeredBeds: l.registeredBeds }]
      : [],
  )
  const current = await newestBedVacancies(db, councilId, 'all', { since: staleSince(now), until: now })
  const homeIds = new Set(homes.map((h) => h.id))
  const localityRows = (await listLocalities(db, councilId)).filter(
    (l) => filter.localityId == null || l.id === filter.localityId,
  )
  return summariseAvailability(
    homes,
    current.filter((c) => homeIds.has(c.locationId)),
    localityRows,
  )
}

/**
 * % of care home beds available by locality and bed type at `now`, of the homes the filter picks
 * (one locality, or those registered for one service type): the figure capacitySummary gives.
 */
export async function bedAvailability(
  db: Queryable,
  councilId: number,
  now = new Date(),
  filter: CareHomeFilter = {},
): Promise<CapacitySummary['beds']> {
  return availabilityOf(db, councilId, await activeLocations(db, councilId), now, filter)
}

/** % of care home beds available by locality and bed type, and spare home care hours, for one council. */
export async function capacitySummary(
  db: Queryable,
  councilId: number,
  now = new Date(),
): Promise<CapacitySummary> {
  const since = staleSince(now)
  const active = await activeLocations(db, councilId)
  const beds = await availabilityOf(db, councilId, active, now, {})

  const homeCareIds = active.filter((l) => coversDistricts(l)).map((l) => l.id)
  const spare = await newestSpareHomeCare(db, councilId, homeCareIds, { since, until: now })
  const districts = new Map<string, { minutes: number; locations: Set<number> }>()
  for (const h of spare) {
    const district = districts.get(h.outcode) ?? { minutes: 0, locations: new Set<number>() }
    district.minutes += h.spareMinutesPerWeek
    district.locations.add(h.locationId)
    districts.set(h.outcode, district)
  }
  const reportingLocations = new Set(spare.map((h) => h.locationId)).size
  const toHours = (minutes: number) => Math.round((minutes / 60) * 100) / 100
  return {
    generatedAt: now,
    staleAfterDays: STALE_AFTER_DAYS,
    denominator: DENOMINATOR,
    beds,
    homeCare: {
      locations: homeCareIds.length,
      reportingLocations,
      reportingPercent:
        homeCareIds.length > 0 ? Math.round((reportingLocations / homeCareIds.length) * 1000) / 10 : null,
      spareHoursPerWeek: toHours(spare.reduce((sum, h) => sum + h.spareMinutesPerWeek, 0)),
      byDistrict: [...districts]
        .sort(([a], [b]) => byDistrict(a, b))
        .map(([outcode, d]) => ({
          outcode,
          spareHoursPerWeek: toHours(d.minutes),
          locations: d.locations.size,
        })),
    },
  }
}

/** One location that should report its capacity, and how fresh its last report is. */
export interface LocationFreshness {
  locationId: number
  name: string
  providerOrganisationId: number
  lastReportedAt: Date | null
  freshness: Freshness
}

/**
 * How fresh the capacity reports are of the council's active locations that report capacity (care
 * homes, home care, day services), one organisation's when given: the reminder's test of staleness.
 */
export async function capacityFreshness(
  db: Queryable,
  councilId: number,
  options: { providerOrganisationId?: number; now?: Date } = {},
): Promise<LocationFreshness[]> {
  const now = options.now ?? new Date()
  const active = (await activeLocationsWithOrganisation(db, councilId)).filter(
    (l) =>
      options.providerOrganisationId === undefined ||
      l.providerOrganisationId === options.providerOrganisationId,
  )
  const coverage = await coverageOf(
    db,
    councilId,
    active.map((l) => l.id),
  )
  const last = await lastReported(db, councilId)
  return active
    .filter(
      (l) =>
        reportsBeds(l) || coversDistricts(l) || reportsDayPlaces(l) || (coverage.get(l.id) ?? []).length > 0,
    )
    .map((l) => {
      const at = last.get(l.id) ?? null
      return {
        locationId: l.id,
        name: l.name,
        providerOrganisationId: l.providerOrganisationId,
        lastReportedAt: at,
        freshness: freshness(at, now),
      }
    })
}

// ---- Reminders ----

const REMINDER_KIND = 'capacity_reminder'

export interface ReminderResult {
  councilId: number
  reminded: { providerOrganisationId: number; name: string; to: string[]; locations: string[] }[]
  /** Organisations with stale capacity already reminded in the last 7 days. */
  alreadyReminded: number
  /** Organisations with stale capacity but no active provider user to tell. */
  withoutRecipients: number
}

/**
 * Puts one reminder in the outbox for each provider organisation with a location whose capacity
 * is stale or was never reported, addressed to the organisation's provider users, and at most
 * one every 7 days per organisation: the outbox itself records when each was last reminded.
 */
export async function remindStaleProviders(
  db: Database,
  councilId: number,
  now = new Date(),
): Promise<ReminderResult> {
  const council = (await listCouncils(db)).find((c) => c.id === councilId)
  if (!council) throw new NotFoundError('No such council')
  return db.transaction(async (tx) => {
    await lockReminders(tx, councilId)
    const active = await activeLocationsWithOrganisation(tx, councilId)
    const coverage = await coverageOf(
      tx,
      councilId,
      active.map((l) => l.id),
    )
    const last = await lastReported(tx, councilId)
    const due = new Map<number, { name: string; lines: string[] }>()
    for (const location of active) {
      const reports =
        reportsBeds(location) ||
        coversDistricts(location) ||
        reportsDayPlaces(location) ||
        (coverage.get(location.id) ?? []).length > 0
      if (!reports) continue
      const at = last.get(location.id) ?? null
      if (freshness(at, now) === 'current') continue
      const entry = due.get(location.providerOrganisationId) ?? { name: location.organisationName, lines: [] }
      entry.lines.push(`${location.name}: ${at ? `last updated ${formatLondonDate(at)}` : 'never reported'}`)
      due.set(location.providerOrganisationId, entry)
    }

    const result: ReminderResult = { councilId, reminded: [], alreadyReminded: 0, withoutRecipients: 0 }
    const recipients = await providerUserEmailsByOrganisation(tx, councilId, [...due.keys()])
    for (const [organisationId, { name, lines }] of due) {
      const to = recipients.get(organisationId) ?? []
      if (to.length === 0) {
        result.withoutRecipients++
        continue
      }
      const previous = await lastEmailed(tx, { councilId, kind: REMINDER_KIND, addresses: to })
      if (previous && freshness(previous, now) === 'current') {
        result.alreadyReminded++
        continue
      }
      await enqueueEmail(tx, {
        councilId,
        kind: REMINDER_KIND,
        to: to.join(', '),
        subject: `Please update your capacity on Caremarket: ${name}`.slice(0, 200),
        body: reminderBody(council.name, name, lines),
      })
      await recordAudit(
        tx,
        { kind: 'system', label: 'capacity-reminders' },
        {
          councilId,
          action: 'capacity.reminder_enqueued',
          entityType: 'provider_organisation',
          entityId: organisationId,
          details: { to, locations: lines.length },
        },
      )
      result.reminded.push({ providerOrganisationId: organisationId, name, to, locations: lines })
    }
    return result
  })
}

/** Reminds every council's providers; the outbox sender runs it once a day. */
export async function remindAllStaleProviders(db: Database, now = new Date()): Promise<ReminderResult[]> {
  const results: ReminderResult[] = []
  for (const council of await listCouncils(db)) results.push(await remindStaleProviders(db, council.id, now))
  return results
}

/** Hand this to startOutboxSender's dailyJobs. */
export const capacityReminderJob: ScheduledJob = {
  name: 'capacity reminders',
  run: async (db, now) => {
    const results = await remindAllStaleProviders(db, now)
    return { reminded: results.reduce((sum, r) => sum + r.reminded.length, 0) }
  },
}
