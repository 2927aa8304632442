// A council whose market can answer offers: the test person's postcode placed at Norwich, the
// fixture's two care homes 2 and 5 miles north, a home care location for each provider, and an
// API token for each side. Offer, award and handover tests start here.
import { Readable } from 'node:stream'
import { issueApiToken } from '../../src/accounts/api-tokens.ts'
import type { Config } from '../../src/config.ts'
import type { DatabaseHandle } from '../../src/db/connection.ts'
import { importCentroids } from '../../src/geography/service.ts'
import { type Fixture, seedCouncil } from '../helpers.ts'
import { addLocation, NORWICH, shapeLocation, TEST_PERSON } from './offers-factory.ts'

/** A place `miles` due north of Norwich. */
const north = (miles: number) => ({
  latitude: NORWICH.latitude + miles / 69.09,
  longitude: NORWICH.longitude,
})

export interface OfferMarket {
  home: Fixture
  /** Each provider's home care location. */
  homeCare: { a: number; b: number }
  /** API tokens: the council's (a broker's), provider A's and provider B's. */
  tokens: { broker: string; a: string; b: string }
}

export async function seedOfferMarket(
  database: DatabaseHandle,
  config: Config,
  code: string,
  homeCare: { aMilesNorth: number; bMilesNorth: number; bCovers?: string[] },
): Promise<OfferMarket> {
  const home = await seedCouncil(database, code, config)
  const { db } = database
  await importCentroids(
    db,
    Readable.from(
      `postcode,latitude,longitude\n${TEST_PERSON.postcode},${NORWICH.latitude},${NORWICH.longitude}\nNR3,${NORWICH.latitude},${NORWICH.longitude}\n`,
    ),
  )
  await shapeLocation(db, home.providerA.locationId, north(2))
  await shapeLocation(db, home.providerB.locationId, north(5))
  const a = await addLocation(db, home.councilId, home.providerA.id, {
    cqcLocationId: `1-${code}HCA`,
    name: `${code} A Home Care`,
    serviceTypes: ['home_care'],
    coverage: ['NR3'],
    ...north(homeCare.aMilesNorth),
  })
  const b = await addLocation(db, home.councilId, home.providerB.id, {
    cqcLocationId: `1-${code}HCB`,
    name: `${code} B Home Care`,
    serviceTypes: ['home_care'],
    ...(homeCare.bCovers ? { coverage: homeCare.bCovers } : {}),
    ...north(homeCare.bMilesNorth),
  })
  const providerB = await issueApiToken(
    db,
    {
      councilId: home.councilId,
      name: 'Provider B system',
      role: 'provider_user',
      providerOrganisationId: home.providerB.id,
      createdByUserId: null,
    },
    { kind: 'system', label: 'test' },
  )
  return {
    home,
    homeCare: { a, b },
    tokens: { broker: home.councilApiToken, a: home.providerApiToken, b: providerB.token },
  }
}
