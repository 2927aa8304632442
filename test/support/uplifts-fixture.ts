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

/**
 * A book for the financial year 2027/28 (1 April 2027 to 31 March 2028, 366 days): packages in
 * force all year, one ending and one starting within it, and one ended the day before it began.
 */
export const BOOK_2027: readonly BookRow[] = [
  // In force all of 2027/28 (366 days).
  {
    personRef: 'R1',
    serviceType: 'residential',
    clientGroup: 'older_people',
    weeklyCostPence: 80_000,
    startDate: '2025-06-01',
  },
  {
    personRef: 'N1',
    serviceType: 'nursing',
    clientGroup: 'older_people',
    weeklyCostPence: 105_050,
    startDate: '2026-01-10',
  },
  // Ends within the year: 1 April to 30 June 2027 is 91 days.
  {
    personRef: 'W1',
    serviceType: 'residential',
    clientGroup: 'younger_adults',
    weeklyCostPence: 150_000,
    startDate: '2026-02-01',
    endDate: '2027-06-30',
  },
  // Starts within the year: 1 January to 31 March 2028 is 91 days.
  {
    personRef: 'H1',
    serviceType: 'home_care',
    clientGroup: 'older_people',
    weeklyCostPence: 31_333,
    startDate: '2028-01-01',
  },
  // Ended before the year: not counted.
  {
    personRef: 'S1',
    serviceType: 'supported_living',
    clientGroup: 'younger_adults',
    weeklyCostPence: 99_999,
    startDate: '2025-01-01',
    endDate: '2027-03-31',
  },
]

/** Each of BOOK_2027's packages' days in force in 2027/28. */
export const DAYS_IN_2027: Readonly<Record<string, number>> = { R1: 366, N1: 366, W1: 91, H1: 91, S1: 0 }

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
