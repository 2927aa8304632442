import { Readable } from 'node:stream'
import { importPackages } from '../../src/brokerage/package-imports/service.ts'
import type { AccessRule, MatrixContext } from './types.ts'

const importIds = new WeakMap<object, number>()

/** An import of the home council's book (one row, whose location is in no register, so rejected). */
async function homeImport({ database, home }: MatrixContext): Promise<number> {
  let id = importIds.get(database)
  if (id === undefined) {
    const report = await importPackages(database.db, {
      councilId: home.councilId,
      input: Readable.from([
        Buffer.from(
          'person_ref,age_band,postcode_district,client_group,service_type,location_ref,weekly_cost,start_date,funding\n' +
            'A1,85+,NR3,older_people,residential,1-000000000,700,2025-01-01,council\n',
        ),
      ]),
      fileName: 'book.csv',
      full: false,
      actor: { kind: 'system', label: 'test' },
    })
    id = report.importId
    importIds.set(database, id)
  }
  return id
}

const IMPORTERS: AccessRule['allowed'] = ['broker', 'commissioner']

export const packageImportsRules: AccessRule[] = [
  { route: 'GET /packages/import', allowed: IMPORTERS },
  { route: 'POST /packages/import', allowed: IMPORTERS },
  { route: 'GET /packages/imports', allowed: IMPORTERS },
  {
    route: 'GET /packages/imports/:importId',
    allowed: IMPORTERS,
    url: async (context) => `/packages/imports/${await homeImport(context)}`,
  },
  { route: 'GET /api/v1/packages/imports', allowed: IMPORTERS },
  { route: 'POST /api/v1/packages/imports', allowed: IMPORTERS },
  {
    route: 'GET /api/v1/packages/imports/:importId',
    allowed: IMPORTERS,
    url: async (context) => `/api/v1/packages/imports/${await homeImport(context)}`,
  },
]
