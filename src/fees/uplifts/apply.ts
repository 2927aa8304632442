// Applying a year's fee uplift: new rates and a new price for every live package from 1 April, in
// one audited transaction, with a letter to each provider through the outbox and a CSV for finance.
// Package prices are brokerage's: it records the changes (recordPackagePriceChanges) in this
// transaction, and the figures for past dates keep reading the prices in force then.
import { sql } from 'drizzle-orm'
import { providerUserEmailsByOrganisation } from '../../accounts/service.ts'
import { type Actor, recordAudit } from '../../audit/service.ts'
import { type PackagePriceChange, recordPackagePriceChanges } from '../../brokerage/package-prices.ts'
import { REQUEST_SERVICE_TYPE_LABELS, type RequestServiceType } from '../../brokerage/rules/vocabulary.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ConflictError, NotFoundError } from '../../errors.ts'
import { enqueueEmail } from '../../notifications/service.ts'
import { formatDate, formatLondonDate } from '../../shared/dates.ts'
import { formatPounds, formatPoundsInput } from '../../shared/money.ts'
import { csvText } from '../../web/csv.ts'
import { rateUnit } from '../rates/rules.ts'
import { upliftRatesFrom } from '../rates/service.ts'
import {
  financialYear,
  financialYearLabel,
  modelUplift,
  parseScenario,
  priceOn,
  type Scenario,
  sectorOf,
  UPLIFT_SECTOR_LABELS,
  upliftedRatePence,
  upliftedWeeklyCost,
} from './rules.ts'
import { feeUpliftApplications } from './schema.ts'
import { type AppliedChange, applicationOf, changesOf, packagesInForce, placeNames } from './store.ts'

/** The email kind of the letter to providers (src/notifications/service.ts names it). */
const UPLIFT_LETTER_KIND = 'fee_uplift'

/** Serialises applying uplifts in one council, so two at once cannot both pass the once-a-year check. */
const APPLY_LOCK = 7240321

/** What names a year's changes in brokerage's price history. */
const changeRefOf = (year: number) => `fee-uplift/${year}`

/** A package as finance and providers refer to it: PKG-12 brokered through Caremarket, BOOK-34 from the council's book. */
export function packageRef(source: 'brokered' | 'imported', id: number): string {
  return `${source === 'brokered' ? 'PKG' : 'BOOK'}-${id}`
}

export interface UpliftApplication {
  year: number
  label: string
  effectiveFrom: string
  scenario: Record<string, unknown>
  packagesChanged: number
  ratesAdded: number
  providersWritten: number
  annualCostBeforePence: number
  annualCostAfterPence: number
  appliedBy: string
  appliedAt: Date
}

export interface UpliftApplicationView extends UpliftApplication {
  changes: (AppliedChange & {
    ref: string
    locationName: string
    providerName: string
    serviceLabel: string
    sectorLabel: string
  })[]
}

function applicationView(row: NonNullable<Awaited<ReturnType<typeof applicationOf>>>): UpliftApplication {
  return {
    year: row.year,
    label: financialYearLabel(row.year),
    effectiveFrom: financialYear(row.year).from,
    scenario: row.scenario,
    packagesChanged: row.packagesChanged,
    ratesAdded: row.ratesAdded,
    providersWritten: row.providersWritten,
    annualCostBeforePence: row.annualCostBeforePence,
    annualCostAfterPence: row.annualCostAfterPence,
    appliedBy: row.appliedBy,
    appliedAt: row.appliedAt,
  }
}

const serviceLabel = (serviceType: string) =>
  REQUEST_SERVICE_TYPE_LABELS[serviceType as RequestServiceType] ?? serviceType

/** The letter to one provider: each package's old and new weekly price, by reference, never a person's name. */
function upliftLetter(
  year: number,
  providerName: string,
  lines: readonly {
    ref: string
    locationName: string
    serviceLabel: string
    before: number
    after: number
  }[],
): { subject: string; body: string } {
  const from = formatDate(financialYear(year).from)
  const before = lines.reduce((sum, l) => sum + l.before, 0)
  const after = lines.reduce((sum, l) => sum + l.after, 0)
  return {
    subject: `Fee uplift ${financialYearLabel(year)}: your packages’ weekly prices from ${from}`,
    body: [
      `To ${providerName},`,
      '',
      `The council has applied its fee uplift for ${financialYearLabel(year)}. From ${from} the weekly prices of your packages with the council change as below.`,
      '',
      ...lines.map(
        (l) =>
          `${l.ref}, ${l.serviceLabel} at ${l.locationName}: ${formatPounds(l.before)} a week becomes ${formatPounds(l.after)} a week`,
      ),
      '',
      `In all: ${formatPounds(before)} a week becomes ${formatPounds(after)} a week, from ${from}.`,
      'Invoices for care from that date should use the new prices.',
    ].join('\n'),
  }
}

export function createUpliftApplyService(db: Database) {
  async function view(tx: Queryable, councilId: number, year: number): Promise<UpliftApplicationView> {
    const row = await applicationOf(tx, councilId, year)
    if (!row) throw new NotFoundError(`The ${financialYearLabel(year)} uplift has not been applied`)
    const [changes, names] = await Promise.all([
      changesOf(tx, councilId, changeRefOf(year)),
      placeNames(tx, councilId),
    ])
    return {
      ...applicationView(row),
      changes: changes.map((c) => ({
        ...c,
        ref: packageRef(c.source, c.packageId),
        locationName: names.locations.get(c.locationId) ?? '',
        providerName: names.organisations.get(c.providerOrganisationId) ?? '',
        serviceLabel: serviceLabel(c.serviceType),
        sectorLabel: UPLIFT_SECTOR_LABELS[sectorOf(c.serviceType, c.clientGroup)],
      })),
    }
  }

  return {
    /**
     * Applies the scenario from 1 April `year`: once a year, refused (409) a second time. Every
     * package in force on any day from 1 April gets a new price from 1 April (or its start, if
     * later), uplifted from the price in force then by its sector's % (rules.ts, as the model
     * costs it); every rate in force on 1 April ends on 31 March and its uplifted successor starts.
     */
    async applyUplift(
      councilId: number,
      year: number,
      scenarioInput: unknown,
      actor: Actor,
    ): Promise<UpliftApplicationView> {
      const fy = financialYear(year)
      const scenario: Scenario = parseScenario(scenarioInput)
      const changeRef = changeRefOf(year)
      await db.transaction(async (tx) => {
        await tx.execute(sqlLock(councilId))
        const existing = await applicationOf(tx, councilId, year)
        if (existing)
          throw new ConflictError(
            `The ${financialYearLabel(year)} uplift was already applied, by ${existing.appliedBy} on ${formatLondonDate(existing.appliedAt)}: it is applied once a year`,
          )
        const packages = await packagesInForce(tx, councilId, fy.from, fy.to)
        const model = modelUplift(year, packages, scenario)
        const changes: (PackagePriceChange & {
          locationId: number
          providerOrganisationId: number
          serviceType: string
        })[] = []
        for (const pkg of packages) {
          const effectiveFrom = pkg.startDate > fy.from ? pkg.startDate : fy.from
          const before = priceOn(pkg, effectiveFrom)
          const after = upliftedWeeklyCost(pkg, before, scenario)
          if (after === before) continue
          changes.push({
            source: pkg.source,
            packageId: pkg.id,
            effectiveFrom,
            weeklyCostPence: after,
            previousWeeklyCostPence: before,
            locationId: pkg.locationId,
            providerOrganisationId: pkg.providerOrganisationId,
            serviceType: pkg.serviceType,
          })
        }
        const by = actorLabel(actor)
        await recordPackagePriceChanges(tx, councilId, changes, {
          reason: `Fee uplift ${financialYearLabel(year)}`,
          changeRef,
          by,
        })
        const rates = await upliftRatesFrom(tx, councilId, fy.from, (rate) =>
          upliftedRatePence(rate, rateUnit(rate.serviceType), scenario),
        )
        // One letter per provider organisation, to its users, in this transaction.
        const names = await placeNames(tx, councilId)
        const byProvider = new Map<number, typeof changes>()
        for (const c of changes)
          byProvider.set(c.providerOrganisationId, [...(byProvider.get(c.providerOrganisationId) ?? []), c])
        const recipients = await providerUserEmailsByOrganisation(tx, councilId, [...byProvider.keys()])
        let emails = 0
        for (const [organisationId, list] of byProvider) {
          const to = recipients.get(organisationId) ?? []
          if (to.length === 0) continue
          const letter = upliftLetter(
            year,
            names.organisations.get(organisationId) ?? 'the provider',
            list.map((c) => ({
              ref: packageRef(c.source, c.packageId),
              locationName: names.locations.get(c.locationId) ?? '',
              serviceLabel: serviceLabel(c.serviceType),
              before: c.previousWeeklyCostPence,
              after: c.weeklyCostPence,
            })),
          )
          await enqueueEmail(tx, { councilId, kind: UPLIFT_LETTER_KIND, to: to.join(', '), ...letter })
          emails++
        }
        const [row] = await tx
          .insert(feeUpliftApplications)
          .values({
            councilId,
            year,
            scenario: scenarioInput as Record<string, unknown>,
            packagesChanged: changes.length,
            ratesAdded: rates.length,
            providersWritten: emails,
            annualCostBeforePence: model.total.annualCostBeforePence,
            annualCostAfterPence: model.total.annualCostAfterPence,
            appliedBy: by,
          })
          .returning({ id: feeUpliftApplications.id })
        await recordAudit(tx, actor, {
          councilId,
          action: 'fee_uplift.applied',
          entityType: 'fee_uplift_application',
          entityId: (row as { id: number }).id,
          details: {
            year,
            effectiveFrom: fy.from,
            scenario: scenarioInput,
            packagesChanged: changes.length,
            packagesInForce: packages.length,
            ratesAdded: rates.length,
            providers: byProvider.size,
            lettersQueued: emails,
            annualCostBeforePence: model.total.annualCostBeforePence,
            annualCostAfterPence: model.total.annualCostAfterPence,
          },
        })
      })
      return view(db, councilId, year)
    },

    /** The year's applied uplift with each package's price change; 404 when it has not been applied. */
    async upliftApplication(councilId: number, year: number): Promise<UpliftApplicationView> {
      financialYear(year)
      return view(db, councilId, year)
    },

    /** Whether the year's uplift has been applied, and when: null if not. */
    async appliedUplift(councilId: number, year: number): Promise<UpliftApplication | null> {
      const row = await applicationOf(db, councilId, year)
      return row ? applicationView(row) : null
    },

    /** The year's package price changes for finance, formula-safe. */
    async applicationCsv(councilId: number, year: number): Promise<string> {
      const applied = await view(db, councilId, year)
      return csvText([
        [
          'package ref',
          'provider',
          'location',
          'service',
          'sector',
          'old weekly (£)',
          'new weekly (£)',
          'effective from',
        ],
        ...applied.changes.map((c) => [
          c.ref,
          c.providerName,
          c.locationName,
          c.serviceLabel,
          c.sectorLabel,
          formatPoundsInput(c.previousWeeklyCostPence, { pence: 'always' }),
          formatPoundsInput(c.weeklyCostPence, { pence: 'always' }),
          c.effectiveFrom,
        ]),
      ])
    },
  }
}

function sqlLock(councilId: number) {
  return sql`select pg_advisory_xact_lock(${APPLY_LOCK}, ${councilId})`
}

function actorLabel(actor: Actor): string {
  return actor.kind === 'user' ? actor.email : actor.label
}

/** An applied uplift as the API answers it. */
export function applicationJson(applied: UpliftApplicationView) {
  const { changes, appliedAt, ...rest } = applied
  return {
    ...rest,
    appliedAt: appliedAt.toISOString(),
    packages: changes.map((c) => ({
      ref: c.ref,
      source: c.source,
      packageId: c.packageId,
      provider: c.providerName,
      location: c.locationName,
      service: c.serviceLabel,
      sector: c.sectorLabel,
      effectiveFrom: c.effectiveFrom,
      oldWeeklyCostPence: c.previousWeeklyCostPence,
      newWeeklyCostPence: c.weeklyCostPence,
    })),
  }
}
