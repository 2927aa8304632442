// Test-only: a council's PCN areas and a hand-built request and capacity history for them. Never
// imported by the running service.
import { eq } from 'drizzle-orm'
import type { Database } from '../../src/db/connection.ts'
import {
  bedVacancyReports,
  councilDistricts,
  homeCareCapacityReports,
  localities,
  locations,
  offers,
  pcnAreas,
  people,
  requestEvents,
  sourcingRequests,
} from '../../src/db/schema.ts'
import type { PlacementType } from '../../src/market/sufficiency/rules.ts'

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

export interface Areas {
  /** PCN area ids by name. */
  pcn: Record<string, number>
}

/** One locality holding the named PCN areas, each with one postcode district named `${name}1`. */
export async function addPcnAreas(db: Database, councilId: number, names: string[]): Promise<Areas> {
  const [locality] = await db
    .insert(localities)
    .values({ councilId, name: 'Central' })
    .returning({ id: localities.id })
  if (!locality) throw new Error('no locality')
  const pcn: Record<string, number> = {}
  for (const name of names) {
    const [area] = await db
      .insert(pcnAreas)
      .values({ councilId, localityId: locality.id, name })
      .returning({ id: pcnAreas.id })
    if (!area) throw new Error('no PCN area')
    pcn[name] = area.id
    await db.insert(councilDistricts).values({
      councilId,
      outcode: `${name.toUpperCase().slice(0, 2)}1`,
      localityId: locality.id,
      pcnAreaId: area.id,
      rural: false,
    })
  }
  return { pcn }
}

export interface HistorySpec {
  pcnAreaId: number | null
  type: PlacementType
  /** Days before `now` the request was submitted; null for a draft never submitted. */
  submittedDaysAgo: number | null
  /** Days after submission it was awarded (may fall after `now`). */
  awardedAfterDays?: number
  unsourced?: boolean
  cancelled?: boolean
  /** Offers received, from the given locations (one each). */
  offerLocations?: { locationId: number; providerOrganisationId: number }[]
}

/** A person in the PCN area and a request with the status history the spec describes. */
export async function addRequestHistory(db: Database, councilId: number, spec: HistorySpec, now: Date) {
  const [person] = await db
    .insert(people)
    .values({
      councilId,
      name: 'Test Person',
      dateOfBirth: '1940-01-01',
      postcode: 'XA1 1AA',
      outcode: 'XA1',
      pcnAreaId: spec.pcnAreaId,
    })
    .returning({ id: people.id })
  if (!person) throw new Error('no person')
  const submittedAt =
    spec.submittedDaysAgo === null ? null : new Date(now.getTime() - spec.submittedDaysAgo * DAY_MS)
  const created = new Date((submittedAt ?? now).getTime() - HOUR_MS)
  const events: { toStatus: string; at: Date }[] = [{ toStatus: 'draft', at: created }]
  if (submittedAt) {
    const after = (days: number) => new Date(submittedAt.getTime() + days * DAY_MS)
    events.push({ toStatus: 'submitted', at: submittedAt }, { toStatus: 'published', at: after(0.05) })
    if (spec.unsourced)
      events.push({ toStatus: 'closed', at: after(0.5) }, { toStatus: 'unsourced', at: after(0.6) })
    if (spec.awardedAfterDays !== undefined)
      events.push(
        { toStatus: 'closed', at: after(Math.min(spec.awardedAfterDays, 0.5)) },
        { toStatus: 'awarded', at: after(spec.awardedAfterDays) },
      )
    if (spec.cancelled) events.push({ toStatus: 'cancelled', at: after(1) })
  }
  const status = events.filter((e) => e.at <= now).at(-1)?.toStatus ?? 'draft'
  const [request] = await db
    .insert(sourcingRequests)
    .values({
      councilId,
      personId: person.id,
      serviceType: spec.type,
      clientGroup: 'older_people',
      needsSummary: 'Help with personal care.',
      startDate: '2026-01-01',
      maxDistanceMiles: 10,
      urgency: 'routine',
      status,
    })
    .returning({ id: sourcingRequests.id })
  if (!request) throw new Error('no request')
  let from: string | null = null
  for (const e of events) {
    await db.insert(requestEvents).values({
      councilId,
      requestId: request.id,
      fromStatus: from,
      toStatus: e.toStatus,
      actor: 'test',
      at: e.at,
    })
    from = e.toStatus
  }
  for (const location of spec.offerLocations ?? [])
    await db.insert(offers).values({
      councilId,
      requestId: request.id,
      ...location,
      pricePence: 90_000,
      earliestStart: '2026-01-01',
      meetsAllNeeds: true,
      createdAt: new Date((submittedAt ?? now).getTime() + HOUR_MS),
    })
  return request.id
}

export async function placeLocation(db: Database, locationId: number, pcnAreaId: number): Promise<void> {
  await db.update(locations).set({ pcnAreaId }).where(eq(locations.id, locationId))
}

export async function reportVacancies(
  db: Database,
  councilId: number,
  locationId: number,
  bedType: string,
  vacancies: number,
  reportedAt: Date,
): Promise<void> {
  await db
    .insert(bedVacancyReports)
    .values({ councilId, locationId, bedType, vacancies, reportedAt, reportedBy: 'test', source: 'web' })
}

export async function reportSpareMinutes(
  db: Database,
  councilId: number,
  locationId: number,
  outcode: string,
  spareMinutesPerWeek: number,
  reportedAt: Date,
): Promise<void> {
  await db.insert(homeCareCapacityReports).values({
    councilId,
    locationId,
    outcode,
    spareMinutesPerWeek,
    reportedAt,
    reportedBy: 'test',
    source: 'web',
  })
}
