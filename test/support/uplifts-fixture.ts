// The council's own book of packages, written straight into the imported packages, for uplift modelling's tests.
import type { Database } from '../../src/db/connection.ts'
import { importedPackages, packageImports } from '../../src/db/schema.ts'

export interface BookRow {
  personRef: string
  serviceType: string
  clientGroup: 'older_people' | 'younger_adults'
  weeklyCostPence: number
  startDate: string
  endDate?: string | null
}

/** Loads the rows as one completed import of the council's book, at the given location. */
export async function loadBook(
  db: Database,
  councilId: number,
  place: { locationId: number; providerOrganisationId: number },
  rows: readonly BookRow[],
): Promise<void> {
  const [run] = await db
    .insert(packageImports)
    .values({ councilId, fileName: 'book.csv', status: 'completed', startedBy: 'test' })
    .returning()
  if (!run) throw new Error('no import')
  await db.insert(importedPackages).values(
    rows.map((r) => ({
      councilId,
      personRef: r.personRef,
      ageBand: r.clientGroup === 'older_people' ? '75–84' : '18–64',
      outcode: 'NR3',
      clientGroup: r.clientGroup,
      serviceType: r.serviceType,
      locationId: place.locationId,
      providerOrganisationId: place.providerOrganisationId,
      weeklyCostPence: r.weeklyCostPence,
      minutesPerWeek: r.serviceType === 'home_care' ? 600 : null,
      startDate: r.startDate,
      endDate: r.endDate ?? null,
      funding: 'council',
      importId: run.id,
    })),
  )
}
