import { createReadStream } from 'node:fs'
import path from 'node:path'
import { importCqcFile } from '../../src/providers/cqc/import.ts'
import type { AccessRule, MatrixContext } from './types.ts'

const fixture = path.resolve(import.meta.dirname, '../fixtures/cqc/hsca-active-locations.csv')
const importIds = new WeakMap<object, number>()

/** A finished import of the home council (its local authority matches no row, so nothing changes). */
async function homeImport({ database, home }: MatrixContext): Promise<number> {
  let id = importIds.get(database)
  if (id === undefined) {
    const summary = await importCqcFile(database.db, {
      councilId: home.councilId,
      input: createReadStream(fixture),
      fileName: 'hsca-active-locations.csv',
      full: false,
      actor: { kind: 'system', label: 'test' },
    })
    id = summary.importId
    importIds.set(database, id)
  }
  return id
}

export const cqcRules: AccessRule[] = [
  { route: 'GET /register/import', allowed: ['commissioner'] },
  { route: 'POST /register/import', allowed: ['commissioner'] },
  {
    route: 'GET /register/import/:importId',
    allowed: ['commissioner'],
    url: async (context) => `/register/import/${await homeImport(context)}`,
  },
  { route: 'GET /register/imports', allowed: ['commissioner'] },
  { route: 'GET /api/v1/register/imports', allowed: ['commissioner'] },
  { route: 'POST /api/v1/register/imports', allowed: ['commissioner'] },
  {
    route: 'GET /api/v1/register/imports/:importId',
    allowed: ['commissioner'],
    url: async (context) => `/api/v1/register/imports/${await homeImport(context)}`,
  },
]
