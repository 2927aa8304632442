// The demo council's cost of care returns: a dozen care homes of each kind and a dozen home care
// offices, for 2025/26 and 2026/27, with figures in the range councils' fair cost of care exercises
// found, so the commissioner's cost of care page shows quartiles and a gap.

import { nlwForYear } from '../fees/costs/rules.ts'
import type { costReturns } from '../fees/costs/schema.ts'
import { hashSeed, Random } from '../shared/random.ts'

const YEARS = [
  { year: 2025, factor: 0.96 },
  { year: 2026, factor: 1 },
] as const
/** Returns per sector and year: enough to publish, few enough to read. */
const PER_SECTOR = 12

interface DemoLocation {
  id: number
  providerOrganisationId: number
  serviceTypes: string[]
}

const pounds = (rng: Random, from: number, to: number, factor: number) =>
  Math.round(rng.int(from * 100, to * 100) * factor)

export function demoCostReturns(
  councilId: number,
  places: readonly DemoLocation[],
  seed: number,
): (typeof costReturns.$inferInsert)[] {
  const rng = new Random(hashSeed(seed, 20))
  const of = (type: string) => places.filter((p) => p.serviceTypes.includes(type)).slice(0, PER_SECTOR)
  const rows: (typeof costReturns.$inferInsert)[] = []
  const common = (place: DemoLocation, year: number) => ({
    councilId,
    providerOrganisationId: place.providerOrganisationId,
    locationId: place.id,
    year,
    submittedByName: 'Demo provider',
  })
  for (const { year, factor } of YEARS) {
    for (const [type, sector, staff] of [
      ['residential_home', 'older-people-residential', [520, 640]],
      ['nursing_home', 'older-people-nursing', [760, 920]],
    ] as const)
      for (const place of of(type)) {
        const lines = {
          staff: pounds(rng, staff[0], staff[1], factor),
          food: pounds(rng, 38, 56, factor),
          utilities: pounds(rng, 28, 48, factor),
          maintenance: pounds(rng, 22, 42, factor),
          returnOnOperations: pounds(rng, 40, 70, factor),
          returnOnCapital: pounds(rng, 55, 100, factor),
        }
        const totalPence = Object.values(lines).reduce((s, v) => s + v, 0)
        rows.push({ ...common(place, year), sector, hourlyWagePence: null, lines, totalPence })
      }
    const nlw = nlwForYear(year) as number
    for (const place of of('home_care')) {
      const wage = nlw + rng.int(0, 120)
      // Pay per contact hour is above the wage: time paid between visits and not with people.
      const careWorkerPay = Math.round((wage * rng.int(112, 125)) / 100)
      const costs = {
        careWorkerPay,
        onCosts: Math.round((careWorkerPay * rng.int(18, 24)) / 100),
        travelTime: pounds(rng, 1.5, 2.5, factor),
        mileage: pounds(rng, 0.6, 1.2, factor),
        training: pounds(rng, 0.2, 0.4, factor),
        backOffice: pounds(rng, 3.5, 5, factor),
      }
      const before = Object.values(costs).reduce((s, v) => s + v, 0)
      const lines = { ...costs, surplus: Math.round((before * rng.int(3, 5)) / 100) }
      const totalPence = Object.values(lines).reduce((s, v) => s + v, 0)
      rows.push({
        ...common(place, year),
        sector: 'home-support',
        hourlyWagePence: wage,
        lines,
        totalPence,
      })
    }
  }
  return rows
}
