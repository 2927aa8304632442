import { PassThrough, Readable } from 'node:stream'
import { and, eq } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Fixture, PASSWORD, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import { createTestRequest, NORWICH, setRequestStatus } from '../../../test/support/offers-factory.ts'
import { addUser } from '../../accounts/service.ts'
import { award, evaluateOffers } from '../../brokerage/offers/award.ts'
import { makeOffer } from '../../brokerage/offers/service.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { auditLog, eligibilityDecisions, locations, outcodes, packages, users } from '../../db/schema.ts'
import { ConflictError, ValidationError } from '../../errors.ts'
import { keyData } from '../../market/mps/service.ts'
import { recordCapacity } from '../capacity/service.ts'
import { importCqcFile } from '../cqc/import.ts'
import { writeHscaCsv } from '../cqc/write.ts'
import { findOrganisationByCqcId, getLocation } from '../service.ts'
import { addAccreditedService, importAccreditedServices, locationAccreditation } from './service.ts'

const system = { kind: 'system', label: 'test' } as const
const commissioner = { kind: 'system', label: 'commissioner' } as const
let database: DatabaseHandle
let home: Fixture

const dayService = {
  organisationName: 'Riverside Community Trust',
  kind: 'day_opportunities',
  name: 'Riverside Day Centre',
  address: '1 Riverside Road, Norwich',
  postcode: 'NR1 1AA',
  serviceTypes: ['day_opportunities'],
  specialisms: ['dementia'],
  clientGroups: ['older_people'],
  criteriaMet: ['safeguarding', 'dbs_checks', 'insurance'],
  accreditedFrom: '2020-04-01',
  accreditedTo: '2099-03-31',
  accreditedBy: 'Quality and Market Development Team',
}

const HEADER =
  'service_id,organisation_id,organisation_name,kind,service_name,address,postcode,services,specialisms,client_groups,criteria_met,accredited_from,accredited_to,accredited_by'
const row = (id: string, overrides: { name?: string; to?: string; postcode?: string } = {}) =>
  `${id},ORG-1,Green Lanes CIC,community_group,${overrides.name ?? `Group ${id}`},"2 Lane, Norwich",${overrides.postcode ?? 'NR1 2BB'},day_opportunities,,older_people; younger_adults,safeguarding; insurance,2024-01-01,${overrides.to ?? '2099-12-31'},Panel`
const csv = (...rows: string[]) => Buffer.from([HEADER, ...rows].join('\n'))

beforeAll(async () => {
  database = await createTestDatabase()
  home = await seedCouncil(database, 'ACC', testConfig())
  // Where the services are: the district's centre places them.
  await database.db
    .insert(outcodes)
    .values([
      { outcode: 'NR1', latitude: NORWICH.latitude - 0.01, longitude: NORWICH.longitude + 0.01 },
      { outcode: 'NR2', latitude: NORWICH.latitude, longitude: NORWICH.longitude - 0.02 },
    ])
    .onConflictDoNothing()
})
afterAll(async () => database.close())

describe('adding a council-accredited service', () => {
  it('puts it on the register with a council-issued ID, and refuses bad input with every reason', async () => {
    const { db } = database
    const added = await addAccreditedService(db, home.councilId, dayService, commissioner)
    expect(added.serviceId).toMatch(/^CA-S\d{6}$/)
    const location = await getLocation(db, { councilId: home.councilId }, added.locationId)
    expect(location).toMatchObject({
      regulator: 'council',
      accreditedKind: 'day_opportunities',
      serviceTypes: ['day_opportunities'],
      postcode: 'NR1 1AA',
      geoSource: 'district',
      active: true,
    })
    expect(location.cqcProviderId).toMatch(/^CA-P\d{6}$/)
    const accreditation = await locationAccreditation(db, { councilId: home.councilId }, added.locationId)
    expect(accreditation?.standing.status).toBe('in_force')
    expect(accreditation?.history[0]?.criteriaMet).toEqual(['safeguarding', 'dbs_checks', 'insurance'])

    // A second service of the same organisation, found by its name.
    const second = await addAccreditedService(
      db,
      home.councilId,
      { ...dayService, name: 'Riverside Lunch Club', organisationName: 'riverside community trust' },
      commissioner,
    )
    const secondLocation = await getLocation(db, { councilId: home.councilId }, second.locationId)
    expect(secondLocation.providerOrganisationId).toBe(location.providerOrganisationId)
    expect(second.serviceId).not.toBe(added.serviceId)

    const bad = addAccreditedService(
      db,
      home.councilId,
      {
        ...dayService,
        postcode: 'nowhere',
        serviceTypes: ['residential_home'],
        criteriaMet: [],
      },
      commissioner,
    )
    await expect(bad).rejects.toThrow(ValidationError)
    const fields = (await bad.catch((e: ValidationError) => e.errors.map((x) => x.field))) as string[]
    expect(fields.sort()).toEqual(['criteriaMet', 'postcode', 'serviceTypes'])
    await expect(
      addAccreditedService(db, home.councilId, { ...dayService, accreditedTo: '2019-01-01' }, commissioner),
    ).rejects.toThrow(/must be on or after the date it starts/)

    await expect(
      addAccreditedService(db, home.councilId, { ...dayService, serviceId: added.serviceId }, commissioner),
    ).rejects.toThrow(ConflictError)
    const audits = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.councilId, home.councilId), eq(auditLog.action, 'accredited_service.added')))
    expect(audits.length).toBe(2)
  })
})

describe('a day opportunities request reaches accredited services', () => {
  it('invites an accredited day service in reach, which offers, reports places and is awarded', async () => {
    const { db } = database
    const accredited = await addAccreditedService(
      db,
      home.councilId,
      {
        ...dayService,
        organisationName: 'Meadow Day Services',
        name: 'Meadow Day Centre',
        postcode: 'NR2 4TT',
      },
      commissioner,
    )
    const lapsed = await addAccreditedService(
      db,
      home.councilId,
      {
        ...dayService,
        organisationName: 'Meadow Day Services',
        name: 'Old Mill Day Centre',
        accreditedFrom: '2020-01-01',
        accreditedTo: '2021-01-01',
      },
      commissioner,
    )
    const location = await getLocation(db, { councilId: home.councilId }, accredited.locationId)
    // The council admin adds a provider user for the organisation by its council-issued ID.
    const organisation = await findOrganisationByCqcId(db, home.councilId, location.cqcProviderId)
    const user = await addUser(
      db,
      home.councilId,
      {
        email: 'manager@meadow.test',
        role: 'provider_user',
        password: PASSWORD,
        cqcProviderId: location.cqcProviderId,
      },
      system,
      {
        passwordCostLog2: 10,
        findOrganisation: (councilId, id) => findOrganisationByCqcId(db, councilId, id),
      },
    )
    const [stored] = await db.select().from(users).where(eq(users.id, user.id))
    expect(stored?.providerOrganisationId).toBe(organisation?.id)
    const scope = { councilId: home.councilId, providerOrganisationId: location.providerOrganisationId }

    await recordCapacity(
      db,
      scope,
      system,
      [{ field: 'places', locationId: location.id, placesPerDay: '6' }],
      {
        source: 'web',
      },
    )

    const { requestId, invitation } = await createTestRequest(db, home.councilId, {
      serviceType: 'day_opportunities',
      usualPricePence: 6_000,
    })
    expect(invitation?.invited).toBeGreaterThanOrEqual(1)
    const decisions = await db
      .select()
      .from(eligibilityDecisions)
      .where(eq(eligibilityDecisions.requestId, requestId))
    const decisionOf = (id: number) => decisions.find((d) => d.locationId === id)
    expect(decisionOf(accredited.locationId)?.eligible).toBe(true)
    expect(decisionOf(accredited.locationId)?.flags.map((f) => f.code)).not.toContain('stale_capacity')
    expect(decisionOf(lapsed.locationId)?.eligible).toBe(false)
    expect(decisionOf(lapsed.locationId)?.reasons.map((r) => r.code)).toContain('accreditation_not_in_force')
    // A CQC care home does not offer day opportunities.
    expect(decisionOf(home.providerA.locationId)?.reasons.map((r) => r.code)).toEqual(['service_type'])

    const offer = await makeOffer(db, scope, system, requestId, {
      locationId: accredited.locationId,
      pricePence: 5_500,
      earliestStart: '2099-01-01',
      meetsAllNeeds: true,
    })
    await setRequestStatus(db, requestId, 'closed')
    const evaluation = await evaluateOffers(db, { councilId: home.councilId }, requestId)
    const top = evaluation.shortlist.ranked[0]
    expect(top?.offerId).toBe(offer.offer.id)
    expect(top?.quality).toMatchObject({ rating: 'Good', score: 75 })
    expect(top?.quality.basis).toMatch(/^Council accreditation to 31 March 2099, counted as Good$/)

    // The Market Position Statement's day services count the accredited service, not the lapsed one.
    const mps = await keyData(db, home.councilId, 'day-services')
    const older = mps.rows.find((r) => r.label === 'Older people (65 and over)')
    const accreditedInForce = (await db.select().from(locations)).filter(
      (l) =>
        l.councilId === home.councilId &&
        l.active &&
        l.serviceTypes.includes('day_opportunities') &&
        l.id !== lapsed.locationId,
    )
    expect(older?.facts.locations).toBe(accreditedInForce.length)
    expect(older?.facts.goodOrOutstanding).toBe(accreditedInForce.length)

    const broker = { councilId: home.councilId, actor: system }
    const result = await award(db, broker, requestId, { offerId: offer.offer.id, personChoseTopRanked: true })
    const [pkg] = await db.select().from(packages).where(eq(packages.id, result.packageId))
    expect(pkg?.locationId).toBe(accredited.locationId)
  })
})

describe('importing the council’s accreditation list', () => {
  it('keeps every good row or none, changes nothing when imported again, and ends what a full list leaves out', async () => {
    const { db } = database
    const first = await importAccreditedServices(
      db,
      home.councilId,
      { name: 'list.csv', content: csv(row('G-1'), row('g-2')) },
      { full: false },
      commissioner,
    )
    expect(first).toMatchObject({
      status: 'completed',
      added: 2,
      updated: 0,
      unchanged: 0,
      ended: 0,
      rejected: [],
    })
    const again = await importAccreditedServices(
      db,
      home.councilId,
      { name: 'list.csv', content: csv(row('G-1'), row('CA-G-2', { name: 'Group g-2' })) },
      { full: false },
      commissioner,
    )
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 2, ended: 0 })

    const refused = await importAccreditedServices(
      db,
      home.councilId,
      {
        name: 'bad.csv',
        content: csv(row('G-1', { name: 'Renamed' }), row('G-3', { postcode: 'XX' }), row('G-1')),
      },
      { full: false },
      commissioner,
    )
    expect(refused.status).toBe('rejected')
    expect(refused.rejected).toEqual([
      { line: 3, reason: 'Enter a real postcode, like NR1 3QE' },
      { line: 4, reason: 'The service ID CA-G-1 is also on line 2' },
    ])
    const [kept] = await db.select().from(locations).where(eq(locations.cqcLocationId, 'CA-G-1'))
    expect(kept?.name).toBe('Group G-1')

    // A renewal, a new service, and a full list that leaves G-2 out.
    const full = await importAccreditedServices(
      db,
      home.councilId,
      { name: 'full.csv', content: csv(row('G-1', { to: '2100-12-31' }), row('G-4')) },
      { full: true },
      commissioner,
    )
    // Every council service the file does not name is ended: G-2 and the ones added above.
    const ended = await db
      .select()
      .from(locations)
      .where(
        and(
          eq(locations.councilId, home.councilId),
          eq(locations.regulator, 'council'),
          eq(locations.active, false),
        ),
      )
    expect(full).toMatchObject({ added: 1, updated: 1, unchanged: 0, ended: ended.length })
    expect(ended.map((l) => l.cqcLocationId)).toContain('CA-G-2')
    // CQC's locations are never the council list's to end.
    const cqc = await getLocation(db, { councilId: home.councilId }, home.providerA.locationId)
    expect(cqc.active).toBe(true)

    const audits = await db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(and(eq(auditLog.councilId, home.councilId), eq(auditLog.entityType, 'accreditation_import')))
    expect(audits.map((a) => a.action).sort()).toEqual([
      'accredited_services.import_rejected',
      'accredited_services.imported',
      'accredited_services.imported',
      'accredited_services.imported',
    ])
  })

  it('reads an Excel workbook as it reads CSV', async () => {
    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet('Accredited')
    sheet.addRow(HEADER.split(','))
    sheet.addRow(row('X-1').replace('"2 Lane, Norwich"', '2 Lane').split(','))
    const content = Buffer.from(await workbook.xlsx.writeBuffer())
    const report = await importAccreditedServices(
      database.db,
      home.councilId,
      { name: 'list.xlsx', content },
      { full: false },
      commissioner,
    )
    expect(report).toMatchObject({ status: 'completed', added: 1 })
  })

  it('refuses a file without the columns, saying which are missing', async () => {
    const report = importAccreditedServices(
      database.db,
      home.councilId,
      { name: 'x.csv', content: Buffer.from('service_id,kind\nA,day_opportunities\n') },
      { full: false },
      commissioner,
    )
    await expect(report).rejects.toThrow(/Missing: organisation_id, organisation_name/)
  })
})

describe('the CQC import', () => {
  it('never ends a council-accredited service, and refuses a row with a council-issued ID', async () => {
    const { db } = database
    const added = await addAccreditedService(
      db,
      home.councilId,
      { ...dayService, name: 'Kept Day Centre' },
      commissioner,
    )
    const out = new PassThrough()
    const chunks: Buffer[] = []
    out.on('data', (chunk: Buffer) => chunks.push(chunk))
    const base = {
      cqcProviderId: '1-200000001',
      providerName: 'Provider Ltd',
      name: 'Home',
      address: '1 Test Street',
      postcode: 'NR4 9ZA',
      latitude: null,
      longitude: null,
      registeredBeds: 20,
      serviceTypes: ['residential_home' as const],
      specialisms: [],
      clientGroups: ['older_people' as const],
      cqcRating: 'Good' as const,
      cqcRatingDate: '2025-01-01',
      localAuthority: 'Norfolk',
    }
    await writeHscaCsv(
      [
        { ...base, cqcLocationId: '1-100000001' },
        { ...base, cqcLocationId: 'CA-S999999' },
      ],
      out,
    )
    const report = await importCqcFile(db, {
      councilId: home.councilId,
      input: Readable.from([Buffer.concat(chunks)]),
      fileName: 'cqc.csv',
      localAuthority: null,
      full: true,
      actor: system,
    })
    expect(report.rejected.map((r) => r.reason)).toEqual([
      "location ID CA-S999999 is one the council issues (CA-...), not CQC's",
    ])
    const kept = await getLocation(db, { councilId: home.councilId }, added.locationId)
    expect(kept.active).toBe(true)
    const cqc = await getLocation(db, { councilId: home.councilId }, home.providerA.locationId)
    expect(cqc.active).toBe(false)
  })
})
