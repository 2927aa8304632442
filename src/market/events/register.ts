// The market events the CQC import's changes to the register mean, recorded by listening to the
// register's events (src/providers/cqc/register-events.ts) in the import's own transaction.
import { and, desc, eq, gte, isNull, sql } from 'drizzle-orm'
import { recordAudit } from '../../audit/service.ts'
import type { Queryable, Transaction } from '../../db/connection.ts'
import type {
  DeregistrationCause,
  RegisterChange,
  RegisterEvents,
  RegisterEventTally,
  RegisterImport,
} from '../../providers/cqc/register-events.ts'
import { londonDate } from '../../shared/dates.ts'
import { isFailure, type MarketEventKind } from './rules.ts'
import { marketEvents } from './schema.ts'
import { actorName, auditDetails, withdraw } from './service.ts'
import { countActivePackages, type MarketEventRow } from './store.ts'

/**
 * The market events a CQC import finds, recorded in the import's own transaction, so a failed import
 * leaves none and a repeated one finds nothing new to record:
 * - a location new to a register that already had locations is an opening (the first import of a
 *   register is not a wave of openings);
 * - a location an import (--full) marks inactive is a deregistration, with its registered beds and
 *   the people with a package there that day, unless its latest event is already a failure (a
 *   closure or exit a commissioner recorded first);
 * - a location back on the register withdraws the deregistration an import recorded for it, if no
 *   one has edited that since; otherwise it is an opening;
 * - a change in registered beds is a change in capacity, unless a commissioner recorded one for the
 *   location since the last completed import.
 */
class RegisterEventRecorder {
  private readonly today: string

  constructor(
    private readonly db: Queryable,
    private readonly context: RegisterImport,
    private readonly counts: RegisterEventTally,
  ) {
    this.today = londonDate(context.at)
  }

  /** After a batch of the file is written: its new, returning and resized locations. */
  async changed(
    changes: { locationId: number; providerOrganisationId: number; change: RegisterChange }[],
  ): Promise<void> {
    for (const { locationId, providerOrganisationId, change } of changes) {
      if (change.change === 'opened') {
        await this.insert({
          kind: 'opening',
          locationId,
          providerOrganisationId,
          bedsGained: change.registeredBeds ?? 0,
          notes: 'New on the CQC register.',
        })
      } else if (change.change === 'returned') {
        const latest = await this.latestEvent(locationId, providerOrganisationId)
        if (
          latest?.kind === 'deregistration' &&
          latest.source === 'cqc_import' &&
          latest.updatedAt === null &&
          latest.withdrawnAt === null
        ) {
          await withdraw(
            this.db,
            latest,
            `Back on the CQC register in import ${this.context.importId} (${this.context.fileName}).`,
            this.context.actor,
            this.context.at,
          )
          this.counts.withdrawn++
        } else {
          await this.insert({
            kind: 'opening',
            locationId,
            providerOrganisationId,
            bedsGained: change.registeredBeds ?? 0,
            notes: 'Back on the CQC register after being missing from it.',
          })
        }
      } else if (!(await this.recordedByHandSinceLastImport(locationId))) {
        await this.insert({
          kind: 'capacity_change',
          locationId,
          providerOrganisationId,
          bedsLost: Math.max(0, change.before - change.after),
          bedsGained: Math.max(0, change.after - change.before),
          notes: `Registered beds changed from ${change.before} to ${change.after} on the CQC register.`,
        })
      }
    }
  }

  /** After an import marks locations inactive: missing from a full file, or deregistered by CQC. */
  async deregistered(
    rows: { locationId: number; providerOrganisationId: number; registeredBeds: number | null }[],
    cause: DeregistrationCause,
  ): Promise<void> {
    for (const row of rows) {
      const latest = await this.latestEvent(row.locationId, row.providerOrganisationId)
      if (latest && isFailure(latest.kind as MarketEventKind)) continue
      const counted = await countActivePackages(
        this.db,
        this.context.councilId,
        { locationIds: [row.locationId] },
        this.today,
      )
      await this.insert({
        kind: 'deregistration',
        locationId: row.locationId,
        providerOrganisationId: row.providerOrganisationId,
        bedsLost: row.registeredBeds ?? 0,
        homeCareMinutesLost: counted.homeCareMinutes,
        peopleAffected: counted.people,
        peopleCounted: counted.people,
        notes:
          cause === 'deregistered_by_cqc'
            ? 'Deregistered on the CQC register, as CQC’s API reports.'
            : 'Missing from the CQC register file of a full import.',
      })
    }
  }

  /** The location's latest event still standing: its own, or its provider's exit. */
  private async latestEvent(locationId: number, providerOrganisationId: number) {
    const [row] = await this.db
      .select()
      .from(marketEvents)
      .where(
        and(
          eq(marketEvents.councilId, this.context.councilId),
          isNull(marketEvents.withdrawnAt),
          sql`(${marketEvents.locationId} = ${locationId}
            or (${marketEvents.locationId} is null and ${marketEvents.providerOrganisationId} = ${providerOrganisationId}))`,
        ),
      )
      .orderBy(desc(marketEvents.occurredOn), desc(marketEvents.id))
      .limit(1)
    return row
  }

  private async recordedByHandSinceLastImport(locationId: number): Promise<boolean> {
    const [row] = await this.db
      .select({ id: marketEvents.id })
      .from(marketEvents)
      .where(
        and(
          eq(marketEvents.councilId, this.context.councilId),
          eq(marketEvents.locationId, locationId),
          eq(marketEvents.kind, 'capacity_change'),
          eq(marketEvents.source, 'manual'),
          isNull(marketEvents.withdrawnAt),
          this.context.previousImportAt
            ? gte(marketEvents.recordedAt, this.context.previousImportAt)
            : undefined,
        ),
      )
      .limit(1)
    return row !== undefined
  }

  private async insert(
    values: Pick<MarketEventRow, 'kind' | 'locationId' | 'providerOrganisationId' | 'notes'> &
      Partial<
        Pick<
          MarketEventRow,
          'bedsLost' | 'bedsGained' | 'homeCareMinutesLost' | 'peopleAffected' | 'peopleCounted'
        >
      >,
  ): Promise<void> {
    const { councilId, importId, fileName, actor } = this.context
    // Nothing on conflict: a file listing a location twice must not fail the import.
    const [row] = await this.db
      .insert(marketEvents)
      .values({
        councilId,
        occurredOn: this.today,
        ...values,
        notes: `${values.notes} Recorded by CQC import ${importId} (${fileName}).`,
        source: 'cqc_import',
        cqcImportId: importId,
        recordedAt: this.context.at,
        recordedBy: actorName(actor),
      })
      .onConflictDoNothing()
      .returning()
    if (!row) return
    this.counts.recorded++
    await recordAudit(this.db, actor, {
      councilId,
      action: 'market_event.recorded',
      entityType: 'market_event',
      entityId: row.id,
      details: auditDetails(row),
    })
  }
}

export async function recordRegisterChanges(
  { import: context, changes, tally }: RegisterEvents['registerChanged'],
  tx: Transaction,
): Promise<void> {
  await new RegisterEventRecorder(tx, context, tally).changed(changes)
}

export async function recordRegisterDeregistrations(
  { import: context, cause, locations, tally }: RegisterEvents['locationsDeregistered'],
  tx: Transaction,
): Promise<void> {
  await new RegisterEventRecorder(tx, context, tally).deregistered(locations, cause)
}
