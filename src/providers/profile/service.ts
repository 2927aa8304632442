import { and, asc, eq, inArray } from 'drizzle-orm'
import { z } from 'zod'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { locationCoverage, locations, providerContacts } from '../schema.ts'
import { getLocation, getOrganisation, type RegisterScope } from '../service.ts'
import { SPECIALISMS } from '../vocabulary.ts'
import {
  fromWorkerAnswer,
  parseLanguages,
  parseOutcodes,
  toWorkerAnswer,
  WORKER_ANSWERS,
  type WorkerAnswer,
} from './rules.ts'

/** A provider user's own organisation, within its council. */
export interface OrganisationScope {
  councilId: number
  providerOrganisationId: number
}

export type ProviderContact = typeof providerContacts.$inferSelect

export interface LocationProfile {
  locationId: number
  cqcLocationId: string
  name: string
  serviceTypes: string[]
  /** Postcode districts its home care covers. */
  coverage: string[]
  specialisms: string[]
  languages: string[]
  maleCareWorkers: WorkerAnswer
  femaleCareWorkers: WorkerAnswer
  updatedAt: Date
}

/** Only home care is delivered across districts; other services are found by their address. */
export function coversDistricts(location: { serviceTypes: string[] }): boolean {
  return location.serviceTypes.includes('home_care')
}

/** The postcode districts each location covers, for locations of one council. */
export async function coverageOf(
  db: Queryable,
  councilId: number,
  locationIds: number[],
): Promise<Map<number, string[]>> {
  const coverage = new Map<number, string[]>(locationIds.map((id) => [id, []]))
  if (locationIds.length === 0) return coverage
  const rows = await db
    .select({ locationId: locationCoverage.locationId, outcode: locationCoverage.outcode })
    .from(locationCoverage)
    .where(and(eq(locationCoverage.councilId, councilId), inArray(locationCoverage.locationId, locationIds)))
  for (const row of rows) coverage.get(row.locationId)?.push(row.outcode)
  for (const outcodes of coverage.values()) outcodes.sort(byDistrict)
  return coverage
}

/** NR2 before NR10, as people read districts. */
export function byDistrict(a: string, b: string): number {
  return a.localeCompare(b, 'en-GB', { numeric: true })
}

function profileOf(location: typeof locations.$inferSelect, coverage: string[]): LocationProfile {
  return {
    locationId: location.id,
    cqcLocationId: location.cqcLocationId,
    name: location.name,
    serviceTypes: location.serviceTypes,
    coverage,
    specialisms: location.specialisms,
    languages: location.languages,
    maleCareWorkers: toWorkerAnswer(location.maleCareWorkers),
    femaleCareWorkers: toWorkerAnswer(location.femaleCareWorkers),
    updatedAt: location.updatedAt,
  }
}

/** The organisation, its contacts, and the profile of each of its active locations. */
export async function getProviderProfile(db: Queryable, scope: OrganisationScope) {
  const organisation = await getOrganisation(db, scope.councilId, scope.providerOrganisationId)
  const contacts = await db
    .select()
    .from(providerContacts)
    .where(
      and(
        eq(providerContacts.councilId, scope.councilId),
        eq(providerContacts.providerOrganisationId, scope.providerOrganisationId),
      ),
    )
    .orderBy(asc(providerContacts.name), asc(providerContacts.id))
  const rows = await db
    .select()
    .from(locations)
    .where(
      and(
        eq(locations.councilId, scope.councilId),
        eq(locations.providerOrganisationId, scope.providerOrganisationId),
        eq(locations.active, true),
      ),
    )
    .orderBy(asc(locations.name), asc(locations.id))
  const coverage = await coverageOf(
    db,
    scope.councilId,
    rows.map((l) => l.id),
  )
  return {
    organisation,
    contacts,
    locations: rows.map((l) => profileOf(l, coverage.get(l.id) ?? [])),
  }
}

/** One location's profile: council staff see any in their council, a provider user only its own. */
export async function getLocationProfile(
  db: Queryable,
  scope: RegisterScope,
  locationId: number,
): Promise<LocationProfile> {
  const location = await getLocation(db, scope, locationId)
  const coverage = await coverageOf(db, scope.councilId, [location.id])
  return profileOf(location, coverage.get(location.id) ?? [])
}

const optionalText = (max: number, tooLong: string) =>
  z
    .string()
    .trim()
    .max(max, tooLong)
    .transform((v) => v || null)

const contactSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'Enter the contact’s name')
      .max(200, 'Name must be 200 characters or fewer'),
    jobTitle: optionalText(200, 'Job title must be 200 characters or fewer'),
    email: z
      .string()
      .trim()
      .max(254, 'Email address must be 254 characters or fewer')
      .refine((v) => v === '' || z.email().safeParse(v).success, {
        message: 'Enter an email address in the correct format, like name@example.org',
      })
      .transform((v) => v.toLowerCase() || null),
    phone: z
      .string()
      .trim()
      .max(30, 'Phone number must be 30 characters or fewer')
      .refine((v) => v === '' || (/^\+?[\d\s()-]+$/.test(v) && v.replace(/\D/g, '').length >= 10), {
        message: 'Enter a phone number, like 01632 960 001 or +44 808 157 0192',
      })
      .transform((v) => v || null),
  })
  .superRefine((value, ctx) => {
    if (!value.email && !value.phone)
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'Enter an email address or a phone number' })
  })

export type NewContact = z.input<typeof contactSchema>

export async function addContact(
  db: Database,
  scope: OrganisationScope,
  actor: Actor,
  input: NewContact,
): Promise<ProviderContact> {
  const value = parseInput(contactSchema, input)
  return db.transaction(async (tx) => {
    await getOrganisation(tx, scope.councilId, scope.providerOrganisationId)
    const [contact] = await tx
      .insert(providerContacts)
      .values({
        councilId: scope.councilId,
        providerOrganisationId: scope.providerOrganisationId,
        ...value,
      })
      .returning()
    if (!contact) throw new Error('insert returned no row')
    await recordAudit(tx, actor, {
      councilId: scope.councilId,
      action: 'provider_contact.added',
      entityType: 'provider_contact',
      entityId: contact.id,
      details: { providerOrganisationId: scope.providerOrganisationId, ...value },
    })
    return contact
  })
}

export async function removeContact(
  db: Database,
  scope: OrganisationScope,
  actor: Actor,
  contactId: number,
): Promise<ProviderContact> {
  return db.transaction(async (tx) => {
    const [contact] = await tx
      .delete(providerContacts)
      .where(
        and(
          eq(providerContacts.id, contactId),
          eq(providerContacts.councilId, scope.councilId),
          eq(providerContacts.providerOrganisationId, scope.providerOrganisationId),
        ),
      )
      .returning()
    if (!contact) throw new NotFoundError('No such contact')
    await recordAudit(tx, actor, {
      councilId: scope.councilId,
      action: 'provider_contact.removed',
      entityType: 'provider_contact',
      entityId: contact.id,
      details: {
        providerOrganisationId: scope.providerOrganisationId,
        name: contact.name,
        jobTitle: contact.jobTitle,
        email: contact.email,
        phone: contact.phone,
      },
    })
    return contact
  })
}

export interface LocationProfileInput {
  /** Postcode districts separated by commas, spaces or new lines. */
  coverage?: string
  specialisms: string[]
  /** Languages separated by commas. */
  languages: string
  maleCareWorkers: string
  femaleCareWorkers: string
}

const WORKER_MESSAGE = 'Choose yes, no or not stated'
const locationProfileSchema = z.object({
  coverage: z.string().max(10_000, 'The list of districts is too long').optional(),
  specialisms: z.array(z.enum(SPECIALISMS, { error: 'Choose specialisms from the list' })),
  languages: z.string().max(2_000, 'The list of languages is too long'),
  maleCareWorkers: z.enum(WORKER_ANSWERS, { error: `Male care workers: ${WORKER_MESSAGE.toLowerCase()}` }),
  femaleCareWorkers: z.enum(WORKER_ANSWERS, {
    error: `Female care workers: ${WORKER_MESSAGE.toLowerCase()}`,
  }),
})

/** Replaces a location's profile; the provider's own locations only. Audited with what changed. */
export async function updateLocationProfile(
  db: Database,
  scope: OrganisationScope,
  actor: Actor,
  locationId: number,
  input: LocationProfileInput,
): Promise<LocationProfile> {
  const value = parseInput(locationProfileSchema, input)
  return db.transaction(async (tx) => {
    const location = await getLocation(tx, scope, locationId)
    if (!location.active) throw new NotFoundError('No such location')
    const errors: { field: string; message: string }[] = []
    const languages = parseLanguages(value.languages)
    if (!languages.ok) errors.push({ field: 'languages', message: languages.problem })
    let coverage: string[] | undefined
    if (value.coverage !== undefined) {
      const parsed = parseOutcodes(value.coverage)
      if (!parsed.ok) errors.push({ field: 'coverage', message: parsed.problem })
      else if (parsed.value.length > 0 && !coversDistricts(location))
        errors.push({
          field: 'coverage',
          message: `${location.name} is not registered for home care, so it does not cover postcode districts`,
        })
      else coverage = parsed.value
    }
    if (errors.length > 0 || !languages.ok) throw new ValidationError(errors)

    const before = profileOf(
      location,
      (await coverageOf(tx, scope.councilId, [location.id])).get(location.id) ?? [],
    )
    const specialisms = SPECIALISMS.filter((s) => value.specialisms.includes(s))
    const [updated] = await tx
      .update(locations)
      .set({
        specialisms,
        languages: languages.value,
        maleCareWorkers: fromWorkerAnswer(value.maleCareWorkers),
        femaleCareWorkers: fromWorkerAnswer(value.femaleCareWorkers),
        updatedAt: new Date(),
      })
      .where(and(eq(locations.id, location.id), eq(locations.councilId, scope.councilId)))
      .returning()
    if (!updated) throw new Error('update returned no row')
    if (coverage !== undefined) {
      await tx.delete(locationCoverage).where(eq(locationCoverage.locationId, location.id))
      if (coverage.length > 0)
        await tx
          .insert(locationCoverage)
          .values(
            coverage.map((outcode) => ({ councilId: scope.councilId, locationId: location.id, outcode })),
          )
    }
    const after = profileOf(updated, coverage ? [...coverage].sort(byDistrict) : before.coverage)
    await recordAudit(tx, actor, {
      councilId: scope.councilId,
      action: 'location_profile.updated',
      entityType: 'location',
      entityId: location.id,
      details: changesBetween(before, after),
    })
    return after
  })
}

const AUDITED_FIELDS = [
  'coverage',
  'specialisms',
  'languages',
  'maleCareWorkers',
  'femaleCareWorkers',
] as const satisfies readonly (keyof LocationProfile)[]

function changesBetween(before: LocationProfile, after: LocationProfile) {
  const changes: Record<string, { from: unknown; to: unknown }> = {}
  for (const key of AUDITED_FIELDS) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      changes[key] = { from: before[key], to: after[key] }
  }
  return changes
}
