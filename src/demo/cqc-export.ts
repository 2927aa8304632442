// The demo market written as CQC register files, so that the import can be tried, tested and
// benchmarked on data of any size without the real register.

import type { Writable } from 'node:stream'
import { localAuthorityOfCouncil } from '../providers/cqc/import-rules.ts'
import { type CqcLocationWriteInput, writeCareDirectoryCsv, writeHscaCsv } from '../providers/cqc/write.ts'
import { planCouncil } from './plan.ts'

export interface DemoCqcExportOptions {
  /** How many demo councils, as for `caremarket demo --scale`: about 600 locations each. */
  scale: number
  seed: number
  /** Stop after this many locations. */
  limit?: number
}

/**
 * The demo councils' locations, one council planned at a time so memory stays small. Each row's
 * local authority is its council's ("Demo Shire"), which is what an import into that demo
 * council keeps by default.
 */
export function* demoCqcLocations(options: DemoCqcExportOptions): Generator<CqcLocationWriteInput> {
  let written = 0
  for (let index = 0; index < options.scale; index++) {
    const plan = planCouncil(index, { seed: options.seed, scale: options.scale })
    const localAuthority = localAuthorityOfCouncil(plan.name)
    for (const location of plan.locations) {
      if (options.limit !== undefined && written >= options.limit) return
      const provider = plan.providers[location.provider]
      written++
      yield {
        cqcLocationId: location.cqcLocationId,
        cqcProviderId: provider?.cqcProviderId ?? '',
        providerName: provider?.name ?? null,
        name: location.name,
        address: location.address,
        postcode: location.postcode,
        latitude: location.latitude,
        longitude: location.longitude,
        registeredBeds: location.registeredBeds,
        serviceTypes: location.serviceTypes,
        specialisms: location.specialisms,
        clientGroups: location.clientGroups,
        cqcRating: location.cqcRating,
        cqcRatingDate: location.cqcRatingDate,
        lastInspectionDate: location.cqcRatingDate,
        localAuthority,
      }
    }
  }
}

/** Writes the demo market as a CQC file (HSCA Active Locations by default) and ends `out`. */
export async function writeDemoCqcFile(
  out: Writable,
  options: DemoCqcExportOptions & { format?: 'hsca-active-locations' | 'care-directory' },
): Promise<{ locations: number }> {
  let locations = 0
  const counted = function* () {
    for (const location of demoCqcLocations(options)) {
      locations++
      yield location
    }
  }
  if (options.format === 'care-directory') await writeCareDirectoryCsv(counted(), out)
  else await writeHscaCsv(counted(), out)
  return { locations }
}
