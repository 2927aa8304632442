// Creates fictional demo councils, calibrated to Norfolk's care market (DOMAIN.md §12), so that
// the service can be tried out, shown and load-tested without any real data.

import { eq, inArray, sql } from 'drizzle-orm'
import { hashPassword } from '../accounts/password.ts'
import { ROLES } from '../accounts/roles.ts'
import { councils, teamMembers, teams, users } from '../accounts/schema.ts'
import { recordAudit } from '../audit/service.ts'
import type { Database, Transaction } from '../db/connection.ts'
import { ConflictError } from '../errors.ts'
import { costReturns } from '../fees/costs/schema.ts'
import { feeRates } from '../fees/rates/schema.ts'
import { councilDistricts, localities, outcodes, pcnAreas, postcodes } from '../geography/schema.ts'
import { locations, providerOrganisations } from '../providers/schema.ts'
import { demoCostReturns } from './cost-returns.ts'
import { councilCode } from './names.ts'
import { type CouncilPlan, planCouncil } from './plan.ts'
import { demoRateBook } from './rate-book.ts'

export interface DemoOptions {
  /** How many councils: 1 gives the single demo council. */
  scale: number
  /** The same seed always gives the same councils, places, providers and ratings. */
  seed: number
  /** Every demo user's password. */
  password: string
  passwordCostLog2: number
  /** Called with councils done and councils in all, first with 0 and then after each council. */
  onProgress?: (done: number, total: number) => void
}

interface DemoCouncilSummary {
  code: string
  name: string
  localities: number
  pcnAreas: number
  providers: number
  locations: number
  careHomes: number
  olderPeoplesCareHomes: number
  homeCareOffices: number
  beds: number
  /** Locations by CQC rating, with "Not yet rated" for those without one. */
  ratings: Record<string, number>
}

export interface DemoResult {
  councils: DemoCouncilSummary[]
  users: { email: string; role: string; councilCode: string }[]
  totals: { councils: number; providers: number; locations: number }
}

export const MAX_DEMO_SCALE = 200
export const NOT_YET_RATED = 'Not yet rated'

// 500 rows of about 17 columns stay far below PostgreSQL's 65,535 bind parameters per statement.
const BATCH_SIZE = 500

function batches<T>(rows: readonly T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < rows.length; i += BATCH_SIZE) out.push(rows.slice(i, i + BATCH_SIZE))
  return out
}

export function demoEmail(role: string, code: string): string {
  return `${role.replaceAll('_', '-')}@${code.toLowerCase()}.caremarket.example`
}

function summarise(plan: CouncilPlan): DemoCouncilSummary {
  const careHomes = plan.locations.filter(
    (l) => l.serviceTypes.includes('residential_home') || l.serviceTypes.includes('nursing_home'),
  )
  const ratings: Record<string, number> = {
    Outstanding: 0,
    Good: 0,
    'Requires improvement': 0,
    Inadequate: 0,
    [NOT_YET_RATED]: 0,
  }
  for (const l of plan.locations) {
    const key = l.cqcRating ?? NOT_YET_RATED
    ratings[key] = (ratings[key] ?? 0) + 1
  }
  return {
    code: plan.code,
    name: plan.name,
    localities: plan.localities.length,
    pcnAreas: plan.pcnAreas.length,
    providers: plan.providers.length,
    locations: plan.locations.length,
    careHomes: careHomes.length,
    olderPeoplesCareHomes: careHomes.filter((l) => l.clientGroups.includes('older_people')).length,
    homeCareOffices: plan.locations.filter((l) => l.serviceTypes.includes('home_care')).length,
    beds: plan.locations.reduce((sum, l) => sum + (l.registeredBeds ?? 0), 0),
    ratings,
  }
}

export async function createDemo(db: Database, options: DemoOptions): Promise<DemoResult> {
  const { scale, seed } = options
  if (!Number.isInteger(scale) || scale < 1 || scale > MAX_DEMO_SCALE) {
    throw new RangeError(`scale must be a whole number from 1 to ${MAX_DEMO_SCALE}`)
  }
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError('seed must be a whole number, 0 or more')

  const codes = Array.from({ length: scale }, (_, i) => councilCode(i))
  // Checked up front so that a second run fails before it creates anything, not at council n.
  const existing = await db
    .select({ code: councils.code })
    .from(councils)
    .where(inArray(councils.code, codes))
  if (existing.length > 0) {
    throw new ConflictError(
      `The demo already exists: council ${existing.map((c) => c.code).join(', ')} is already in this database. ` +
        'Use a fresh database to create the demo again.',
    )
  }

  // One scrypt hash serves every demo user: hashing is slow by design and the password is shared.
  const passwordHash = await hashPassword(options.password, options.passwordCostLog2)
  const result: DemoResult = { councils: [], users: [], totals: { councils: 0, providers: 0, locations: 0 } }
  options.onProgress?.(0, scale)
  for (let index = 0; index < scale; index++) {
    const plan = planCouncil(index, { seed, scale })
    // One transaction per council: a failure part-way leaves no half-made council behind.
    const created = await db.transaction((tx) => insertCouncil(tx, plan, passwordHash, seed))
    const summary = summarise(plan)
    result.councils.push(summary)
    result.users.push(...created.map((u) => ({ ...u, councilCode: plan.code })))
    result.totals.councils++
    result.totals.providers += summary.providers
    result.totals.locations += summary.locations
    options.onProgress?.(index + 1, scale)
  }
  return result
}

async function insertCouncil(
  tx: Transaction,
  plan: CouncilPlan,
  passwordHash: string,
  seed: number,
): Promise<{ email: string; role: string }[]> {
  let council: { id: number } | undefined
  try {
    ;[council] = await tx
      .insert(councils)
      .values({ code: plan.code, name: plan.name, isDemo: true })
      .returning({ id: councils.id })
  } catch (error) {
    // Another process created the same council since the check above.
    if (isUniqueViolation(error))
      throw new ConflictError(`The demo already exists: council ${plan.code} is already in this database.`)
    throw error
  }
  if (!council) throw new Error(`council ${plan.code} was not created`)
  const councilId = council.id

  const localityRows = await tx
    .insert(localities)
    .values(plan.localities.map((name) => ({ councilId, name })))
    .returning({ id: localities.id, name: localities.name })
  const localityId = new Map(localityRows.map((r) => [r.name, r.id]))
  await tx.insert(feeRates).values(demoRateBook(councilId, localityRows[0]?.id ?? null))

  const pcnRows = await tx
    .insert(pcnAreas)
    .values(
      plan.pcnAreas.map((p) => ({
        councilId,
        localityId: localityId.get(p.locality) as number,
        name: p.name,
      })),
    )
    .returning({ id: pcnAreas.id, name: pcnAreas.name })
  const pcnId = new Map(pcnRows.map((r) => [r.name, r.id]))

  // Outcodes and postcodes are national reference tables; the demo's own areas (X, Q and V) never
  // clash with real ones, and an update keeps them consistent with this council if they exist.
  await tx
    .insert(outcodes)
    .values(plan.districts.map((d) => ({ outcode: d.outcode, ...d.centroid })))
    .onConflictDoUpdate({
      target: outcodes.outcode,
      set: { latitude: sql`excluded.latitude`, longitude: sql`excluded.longitude` },
    })
  await tx.insert(councilDistricts).values(
    plan.districts.map((d) => ({
      councilId,
      outcode: d.outcode,
      localityId: localityId.get(d.locality) as number,
      pcnAreaId: pcnId.get(d.pcn) as number,
      rural: d.rural,
    })),
  )
  for (const batch of batches(plan.locations)) {
    await tx
      .insert(postcodes)
      .values(batch.map((l) => ({ postcode: l.postcode, latitude: l.latitude, longitude: l.longitude })))
      .onConflictDoUpdate({
        target: postcodes.postcode,
        set: { latitude: sql`excluded.latitude`, longitude: sql`excluded.longitude` },
      })
  }

  const providerId = new Map<string, number>()
  for (const batch of batches(plan.providers)) {
    const rows = await tx
      .insert(providerOrganisations)
      .values(batch.map((p) => ({ councilId, cqcProviderId: p.cqcProviderId, name: p.name })))
      .returning({ id: providerOrganisations.id, cqcProviderId: providerOrganisations.cqcProviderId })
    for (const row of rows) providerId.set(row.cqcProviderId, row.id)
  }
  const providerRowId = (index: number) =>
    providerId.get(plan.providers[index]?.cqcProviderId ?? '') as number

  const district = new Map(plan.districts.map((d) => [d.outcode, d]))
  for (const batch of batches(plan.locations)) {
    await tx.insert(locations).values(
      batch.map((l) => {
        const d = district.get(l.outcode)
        return {
          councilId,
          providerOrganisationId: providerRowId(l.provider),
          cqcLocationId: l.cqcLocationId,
          name: l.name,
          address: l.address,
          postcode: l.postcode,
          latitude: l.latitude,
          longitude: l.longitude,
          registeredBeds: l.registeredBeds,
          serviceTypes: l.serviceTypes,
          specialisms: l.specialisms,
          clientGroups: l.clientGroups,
          cqcRating: l.cqcRating,
          cqcRatingDate: l.cqcRatingDate,
          localityId: d ? (localityId.get(d.locality) ?? null) : null,
          pcnAreaId: d ? (pcnId.get(d.pcn) ?? null) : null,
        }
      }),
    )
  }

  const placed = await tx
    .select({
      id: locations.id,
      providerOrganisationId: locations.providerOrganisationId,
      serviceTypes: locations.serviceTypes,
    })
    .from(locations)
    .where(eq(locations.councilId, councilId))
    .orderBy(locations.id)
  const returns = demoCostReturns(councilId, placed, seed)
  if (returns.length > 0) await tx.insert(costReturns).values(returns)

  const demoUsers = ROLES.map((role) => ({
    councilId,
    email: demoEmail(role, plan.code),
    role,
    providerOrganisationId: role === 'provider_user' ? providerRowId(0) : null,
    passwordHash,
  }))
  const demoUserIds = await tx.insert(users).values(demoUsers).returning({ id: users.id, role: users.role })
  // The demo social worker works in a team, so their requests are the team's caseload.
  const [team] = await tx
    .insert(teams)
    .values({ councilId, name: 'Hospital discharge team' })
    .returning({ id: teams.id })
  const socialWorker = demoUserIds.find((u) => u.role === 'social_worker')
  if (team && socialWorker)
    await tx.insert(teamMembers).values({ councilId, teamId: team.id, userId: socialWorker.id })

  const summary = summarise(plan)
  await recordAudit(
    tx,
    { kind: 'system', label: 'cli' },
    {
      councilId,
      action: 'demo.created',
      entityType: 'council',
      entityId: plan.code,
      details: {
        seed,
        localities: summary.localities,
        pcnAreas: summary.pcnAreas,
        postcodeDistricts: plan.districts.length,
        providers: summary.providers,
        locations: summary.locations,
        careHomes: summary.careHomes,
        homeCareOffices: summary.homeCareOffices,
        beds: summary.beds,
        users: demoUsers.length,
      },
    },
  )
  return demoUsers.map((u) => ({ email: u.email, role: u.role }))
}

function isUniqueViolation(error: unknown): boolean {
  // Drizzle wraps driver errors; the PostgreSQL code is on the error or its cause.
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true
  }
  return false
}
