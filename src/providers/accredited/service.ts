// Services the council accredits itself, on the register beside CQC's: commissioners add them one
// at a time or import the council's accreditation list, every good row or none, audited.
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable, Transaction } from '../../db/connection.ts'
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { Locator } from '../../geography/service.ts'
import { londonDate } from '../../shared/dates.ts'
import { accreditationStanding } from '../quality/rules.ts'
import { getLocation, type RegisterScope } from '../service.ts'
import { ACCREDITATION_CRITERION_LABELS, type AccreditationCriterion } from '../vocabulary.ts'
import { type ImportRow, readAccreditationFile } from './file.ts'
import {
  type AccreditedService,
  accreditedServiceSchema,
  entryChanges,
  nextCouncilId,
  type StoredAccreditedService,
} from './rules.ts'
import {
  type AccreditationImportRow,
  type AccreditationRow,
  accreditationsOfLocation,
  type CouncilLocationRow,
  councilAccreditations,
  councilLocations,
  councilOrganisations,
  endLocations,
  importById,
  insertImport,
  insertLocation,
  insertOrganisation,
  lockAccreditations,
  type OrganisationRow,
  renameOrganisation,
  updateLocation,
  upsertAccreditation,
} from './store.ts'

function actorName(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

/** What the council holds, read once per change under the lock, and kept up to date as it writes. */
class CouncilRegister {
  private constructor(
    private readonly tx: Transaction,
    private readonly councilId: number,
    private readonly organisations: OrganisationRow[],
    readonly locations: CouncilLocationRow[],
    private readonly accreditations: AccreditationRow[],
    private readonly locator: Locator,
    private readonly recordedBy: string,
  ) {}

  static async open(tx: Transaction, councilId: number, actor: Actor): Promise<CouncilRegister> {
    await lockAccreditations(tx, councilId)
    return new CouncilRegister(
      tx,
      councilId,
      await councilOrganisations(tx, councilId),
      await councilLocations(tx, councilId),
      await councilAccreditations(tx, councilId),
      await Locator.forCouncil(tx, councilId),
      actorName(actor),
    )
  }

  byServiceId(id: string): CouncilLocationRow | undefined {
    return this.locations.find((l) => l.cqcLocationId === id)
  }

  /** The entry's organisation: found by its ID, else (no ID given) by its name, else a new one. */
  private async organisationFor(entry: AccreditedService): Promise<OrganisationRow> {
    const found = entry.organisationId
      ? this.organisations.find((o) => o.cqcProviderId === entry.organisationId)
      : this.organisations.find((o) => o.name.toLowerCase() === entry.organisationName.toLowerCase())
    if (found) {
      if (entry.organisationId && found.name !== entry.organisationName) {
        await renameOrganisation(this.tx, found.id, entry.organisationName)
        found.name = entry.organisationName
      }
      return found
    }
    const id =
      entry.organisationId ??
      nextCouncilId(
        'P',
        this.organisations.map((o) => o.cqcProviderId),
      )
    const created = await insertOrganisation(this.tx, this.councilId, { id, name: entry.organisationName })
    this.organisations.push(created)
    return created
  }

  /** What the register holds of a service, as an entry would describe it. */
  private stored(location: CouncilLocationRow, accreditedFrom: string): StoredAccreditedService {
    const organisation = this.organisations.find((o) => o.id === location.providerOrganisationId)
    const accreditation = this.accreditations.find(
      (a) => a.locationId === location.id && a.accreditedFrom === accreditedFrom,
    )
    return {
      organisationId: organisation?.cqcProviderId ?? '',
      organisationName: organisation?.name ?? '',
      kind: location.accreditedKind ?? '',
      name: location.name,
      address: location.address,
      postcode: location.postcode,
      serviceTypes: location.serviceTypes,
      specialisms: location.specialisms,
      clientGroups: location.clientGroups,
      active: location.active,
      accreditation: accreditation ?? null,
    }
  }

  /** Adds the service, or brings it and its accreditation up to date; says which. */
  async write(
    entry: AccreditedService,
  ): Promise<{ outcome: 'added' | 'updated' | 'unchanged'; locationId: number }> {
    const existing = entry.serviceId ? this.byServiceId(entry.serviceId) : undefined
    if (existing) {
      const stored = this.stored(existing, entry.accreditedFrom)
      // An entry without an organisation ID keeps the service's organisation.
      const complete = { ...entry, organisationId: entry.organisationId ?? stored.organisationId }
      if (!entryChanges(stored, complete)) return { outcome: 'unchanged', locationId: existing.id }
    }
    const organisation = await this.organisationFor(entry)
    const [placement] = await this.locator.locateAll([{ postcode: entry.postcode }])
    const values = {
      councilId: this.councilId,
      providerOrganisationId: organisation.id,
      name: entry.name,
      address: entry.address,
      postcode: entry.postcode,
      latitude: placement?.latitude ?? null,
      longitude: placement?.longitude ?? null,
      geoSource: placement?.source ?? null,
      localityId: placement?.localityId ?? null,
      pcnAreaId: placement?.pcnAreaId ?? null,
      serviceTypes: entry.serviceTypes,
      specialisms: entry.specialisms,
      clientGroups: entry.clientGroups,
      regulator: 'council',
      accreditedKind: entry.kind,
      active: true,
      deactivatedAt: null,
    }
    let locationId: number
    if (existing) {
      locationId = existing.id
      await updateLocation(this.tx, this.councilId, existing.id, values)
      Object.assign(existing, values)
    } else {
      const serviceId =
        entry.serviceId ??
        nextCouncilId(
          'S',
          this.locations.map((l) => l.cqcLocationId),
        )
      locationId = await insertLocation(this.tx, { ...values, cqcLocationId: serviceId })
      this.locations.push({ ...values, id: locationId, cqcLocationId: serviceId } as CouncilLocationRow)
    }
    const accreditation = {
      councilId: this.councilId,
      locationId,
      criteriaMet: entry.criteriaMet,
      accreditedFrom: entry.accreditedFrom,
      accreditedTo: entry.accreditedTo,
      accreditedBy: entry.accreditedBy,
      recordedBy: this.recordedBy,
    }
    await upsertAccreditation(this.tx, accreditation)
    this.accreditations.unshift({ ...accreditation, id: 0, recordedAt: new Date() })
    return { outcome: existing ? 'updated' : 'added', locationId }
  }
}

/**
 * Adds a service the council accredits itself. Without a service ID the council issues the next
 * one ("CA-S000001"); an organisation is found by its ID, or without one by its name, or added.
 */
export async function addAccreditedService(
  db: Database,
  councilId: number,
  input: unknown,
  actor: Actor,
): Promise<{ locationId: number; serviceId: string }> {
  const entry = parseInput(accreditedServiceSchema, input)
  return db.transaction(async (tx) => {
    const register = await CouncilRegister.open(tx, councilId, actor)
    if (entry.serviceId && register.byServiceId(entry.serviceId)) {
      throw new ConflictError(`A service with the ID ${entry.serviceId} is already on the register`)
    }
    const { locationId } = await register.write(entry)
    const serviceId = register.locations.find((l) => l.id === locationId)?.cqcLocationId ?? ''
    await recordAudit(tx, actor, {
      councilId,
      action: 'accredited_service.added',
      entityType: 'location',
      entityId: locationId,
      details: {
        serviceId,
        kind: entry.kind,
        accreditedFrom: entry.accreditedFrom,
        accreditedTo: entry.accreditedTo,
        accreditedBy: entry.accreditedBy,
      },
    })
    return { locationId, serviceId }
  })
}

export interface AccreditationImportReport {
  importId: number
  status: 'completed' | 'rejected'
  added: number
  updated: number
  unchanged: number
  ended: number
  rejected: { line: number; reason: string }[]
}

function reportOf(row: AccreditationImportRow): AccreditationImportReport {
  return {
    importId: row.id,
    status: row.status as AccreditationImportReport['status'],
    added: row.added,
    updated: row.updated,
    unchanged: row.unchanged,
    ended: row.ended,
    rejected: row.rejected,
  }
}

/** Each row checked on its own and against the others: every problem, with its line. */
function checkRows(rows: ImportRow[]): {
  entries: AccreditedService[]
  rejected: AccreditationImportReport['rejected']
} {
  const entries: AccreditedService[] = []
  const rejected: AccreditationImportReport['rejected'] = []
  const firstLine = new Map<string, number>()
  for (const { line, entry } of rows) {
    try {
      const parsed = parseInput(accreditedServiceSchema, entry)
      const problems: string[] = []
      if (!parsed.serviceId) problems.push('Enter the service ID: an import finds each service again by it')
      if (!parsed.organisationId) problems.push('Enter the organisation ID')
      const earlier = parsed.serviceId ? firstLine.get(parsed.serviceId) : undefined
      if (earlier !== undefined)
        problems.push(`The service ID ${parsed.serviceId} is also on line ${earlier}`)
      if (problems.length > 0) {
        rejected.push({ line, reason: problems.join('; ') })
        continue
      }
      firstLine.set(parsed.serviceId as string, line)
      entries.push(parsed)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      rejected.push({ line, reason: error.errors.map((e) => e.message).join('; ') })
    }
  }
  return { entries, rejected }
}

/**
 * Imports the council's accreditation list (CSV or a workbook): every good row or none. A row adds
 * its service, or brings it up to date, by its service ID; importing the same file again changes
 * nothing. A `full` list ends the council's services it does not name. Only the council's own
 * services are touched: CQC's locations are never matched, changed or ended.
 */
export async function importAccreditedServices(
  db: Database,
  councilId: number,
  file: { name: string; content: Buffer },
  options: { full: boolean },
  actor: Actor,
): Promise<AccreditationImportReport> {
  const rows = await readAccreditationFile(file.content)
  const { entries, rejected } = checkRows(rows)
  const common = {
    councilId,
    fileName: file.name.slice(0, 200),
    full: options.full,
    importedBy: actorName(actor),
  }
  if (rejected.length > 0) {
    return db.transaction(async (tx) => {
      const row = await insertImport(tx, { ...common, status: 'rejected', rejected })
      await recordAudit(tx, actor, {
        councilId,
        action: 'accredited_services.import_rejected',
        entityType: 'accreditation_import',
        entityId: row.id,
        details: { fileName: common.fileName, rejected: rejected.length, rows: rows.length },
      })
      return reportOf(row)
    })
  }
  return db.transaction(async (tx) => {
    const register = await CouncilRegister.open(tx, councilId, actor)
    const counts = { added: 0, updated: 0, unchanged: 0, ended: 0 }
    const named = new Set<number>()
    for (const entry of entries) {
      const { outcome, locationId } = await register.write(entry)
      counts[outcome]++
      named.add(locationId)
    }
    if (options.full) {
      const absent = register.locations.filter((l) => l.active && !named.has(l.id)).map((l) => l.id)
      counts.ended = await endLocations(tx, councilId, absent)
    }
    const row = await insertImport(tx, { ...common, status: 'completed', ...counts, rejected: [] })
    await recordAudit(tx, actor, {
      councilId,
      action: 'accredited_services.imported',
      entityType: 'accreditation_import',
      entityId: row.id,
      details: { fileName: common.fileName, full: options.full, ...counts },
    })
    return reportOf(row)
  })
}

/** One import's report; NotFoundError for another council's. */
export async function getAccreditationImport(
  db: Queryable,
  councilId: number,
  importId: number,
): Promise<AccreditationImportReport> {
  const row = await importById(db, councilId, importId)
  if (!row) throw new NotFoundError('No such import')
  return reportOf(row)
}

export interface AccreditationView {
  criteriaMet: string[]
  criteriaLabels: string[]
  accreditedFrom: string
  accreditedTo: string
  accreditedBy: string
  recordedBy: string
}

/** A council-accredited location's accreditations, latest first, and where it stands today; null for CQC's. */
export async function locationAccreditation(
  db: Queryable,
  scope: RegisterScope,
  locationId: number,
  today: string = londonDate(new Date()),
): Promise<{ standing: ReturnType<typeof accreditationStanding>; history: AccreditationView[] } | null> {
  const location = await getLocation(db, scope, locationId)
  if (location.regulator !== 'council') return null
  const rows = await accreditationsOfLocation(db, location.councilId, location.id)
  const history = rows.map((r) => ({
    criteriaMet: r.criteriaMet,
    criteriaLabels: r.criteriaMet.map(
      (c) => ACCREDITATION_CRITERION_LABELS[c as AccreditationCriterion] ?? c,
    ),
    accreditedFrom: r.accreditedFrom,
    accreditedTo: r.accreditedTo,
    accreditedBy: r.accreditedBy,
    recordedBy: r.recordedBy,
  }))
  return { standing: accreditationStanding(history, today), history }
}
