import { importAccreditedServices } from '../../src/providers/accredited/service.ts'
import type { AccessRule, MatrixContext } from './types.ts'

const importIds = new WeakMap<object, number>()

/** An import of the home council's accreditation list (refused: it has no rows that can be kept). */
async function homeImport({ database, home }: MatrixContext): Promise<number> {
  let id = importIds.get(database)
  if (id === undefined) {
    const header =
      'service_id,organisation_id,organisation_name,kind,service_name,address,postcode,services,specialisms,client_groups,criteria_met,accredited_from,accredited_to,accredited_by'
    const report = await importAccreditedServices(
      database.db,
      home.councilId,
      { name: 'list.csv', content: Buffer.from(`${header}\nX,,,,,,,,,,,,,\n`) },
      { full: false },
      { kind: 'system', label: 'test' },
    )
    id = report.importId
    importIds.set(database, id)
  }
  return id
}

export const accreditedRules: AccessRule[] = [
  { route: 'GET /accredited-services', allowed: ['commissioner'] },
  { route: 'GET /accredited-services/new', allowed: ['commissioner'] },
  { route: 'POST /accredited-services', allowed: ['commissioner'] },
  { route: 'GET /accredited-services/import', allowed: ['commissioner'] },
  { route: 'POST /accredited-services/import', allowed: ['commissioner'] },
  { route: 'GET /accredited-services/template.csv', allowed: ['commissioner'] },
  { route: 'POST /api/v1/accredited-services', allowed: ['commissioner'] },
  { route: 'POST /api/v1/accredited-services/imports', allowed: ['commissioner'] },
  {
    route: 'GET /api/v1/accredited-services/imports/:importId',
    allowed: ['commissioner'],
    url: async (context) => `/api/v1/accredited-services/imports/${await homeImport(context)}`,
  },
]
