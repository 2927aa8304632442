// The rules of .dependency-cruiser.cjs, run through dependency-cruiser as `npm run lint` runs them:
// on a small tree of files that break and keep each rule, and on Caremarket's own code.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const config = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as IConfiguration

/** The violations dependency-cruiser finds under baseDir, as "rule: from → to". */
async function violations(baseDir: string, paths: string[]): Promise<string[]> {
  const { cache: _, ...options } = config.options ?? {}
  const result = await cruise(paths, {
    ...options,
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden ?? [] },
  })
  const output = result.output as ICruiseResult
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort()
}

describe('the dependency rules', () => {
  let tree: string
  /** Each file of the tree and what it imports. */
  const files: Record<string, string> = {
    // A domain's own tables and the other domains' published keys and read models.
    'src/brokerage/schema.ts': `import { locationKey } from '../providers/keys.ts'\nexport const offers = locationKey`,
    'src/brokerage/keys.ts': `import { offers } from './schema.ts'\nexport const requestKey = offers`,
    'src/brokerage/reporting/views.ts': `import { offers } from '../schema.ts'\nexport const offerFacts = offers`,
    'src/brokerage/requests/store.ts': `import { offers } from '../schema.ts'\nexport const read = offers`,
    'src/providers/schema.ts': `export const locations = 1`,
    'src/providers/keys.ts': `import { locations } from './schema.ts'\nexport const locationKey = locations`,
    'src/providers/capacity/store.ts': `import { locations } from '../schema.ts'\nexport const newest = locations`,
    'src/geography/schema.ts': `export const localities = 1`,
    'src/market/schema.ts': `import { requestKey } from '../brokerage/keys.ts'\nexport const spells = requestKey`,
    'src/market/figures.ts': [
      `import { offerFacts } from '../brokerage/reporting/views.ts'`,
      `import { localities } from '../geography/schema.ts'`,
      `import { spells } from './schema.ts'`,
      // A cross-domain table import, and a type-only one.
      `import { offers } from '../brokerage/schema.ts'`,
      `import type { locations } from '../providers/schema.ts'`,
      `export const all = [offerFacts, localities, spells, offers] as unknown as typeof locations`,
    ].join('\n'),
    'src/market/icl/store.ts': `import { read } from '../../brokerage/requests/store.ts'\nexport const list = read`,
    'src/market/icl/service.test.ts': `import { offers } from '../../db/schema.ts'\nexport const fixture = offers`,
    'src/market/icl/service.ts': `import { offers } from '../../db/schema.ts'\nexport const all = offers`,
    // Brokerage's offer path may read the register and write the audit log, nothing more.
    'src/brokerage/offers/store.ts': [
      `import { locations } from '../../providers/schema.ts'`,
      `import { spells } from '../../market/schema.ts'`,
      `export const both = [locations, spells]`,
    ].join('\n'),
    'src/db/schema.ts': [
      `export * from '../brokerage/schema.ts'`,
      `export * from '../brokerage/reporting/views.ts'`,
      `export * from '../market/icl/service.ts'`,
    ].join('\n'),
    'src/db/connection.ts': `import * as schema from './schema.ts'\nimport { spells } from '../market/schema.ts'\nexport const db = [schema, spells]`,
    'src/demo/generate.ts': `export const demo = 1`,
    'src/cli/demo.ts': `import { demo } from '../demo/generate.ts'\nexport const command = demo`,
    'src/web/app.ts': `import { demo } from '../demo/generate.ts'\nexport const app = demo`,
    'bench/market.ts': `import { demo } from '../src/demo/generate.ts'\nexport const bench = demo`,
    // Shared rules are pure: they may import each other, and nothing else of Caremarket.
    'src/shared/distance.ts': `export const miles = 1`,
    'src/shared/money.ts': [
      `import { miles } from './distance.ts'`,
      `import { offers } from '../brokerage/schema.ts'`,
      `export const pence = [miles, offers]`,
    ].join('\n'),
    'src/brokerage/rules/eligibility.ts': `import { miles } from '../../shared/distance.ts'\nexport const near = miles`,
    // Brokerage and the register tell the market through events; the market listens.
    'src/brokerage/events.ts': `export const brokerageEvents = 1`,
    'src/brokerage/requests/service.ts': `import { all } from '../../market/figures.ts'\nexport const publish = all`,
    'src/brokerage/requests/service.test.ts': `import { all } from '../../market/figures.ts'\nexport const check = all`,
    'src/providers/cqc/import.ts': `import type { all } from '../../market/figures.ts'\nexport type Change = typeof all`,
    'src/market/listeners.ts': `import { brokerageEvents } from '../brokerage/events.ts'\nexport const listen = brokerageEvents`,
    // The web app and the scheduler compose what they are given.
    'src/module.ts': `export type DomainModule = { name: string }`,
    'src/modules.ts': `import { publish } from './brokerage/requests/service.ts'\nexport const MODULES = [publish]`,
    'src/web/navigation.ts': `import { publish } from '../brokerage/requests/service.ts'\nexport const items = [publish]`,
    'src/web/access.ts': `import { roles } from '../accounts/roles.ts'\nimport type { DomainModule } from '../module.ts'\nexport const all = roles as unknown as DomainModule`,
    'src/web/routes.ts': `import { MODULES } from '../modules.ts'\nexport const routes = MODULES`,
    'src/scheduler.ts': `import { listen } from './market/listeners.ts'\nexport const jobs = listen`,
    'src/accounts/roles.ts': `import { all } from '../market/figures.ts'\nexport const roles = all`,
    // Accounts write the audit log and hold the register's keys; nothing else of another domain.
    'src/audit/service.ts': `export const recordAudit = 1`,
    'src/providers/service.ts': `import { locations } from './schema.ts'\nexport const findOrganisation = locations`,
    'src/accounts/schema.ts': `import { locationKey } from '../providers/keys.ts'\nexport const users = locationKey`,
    'src/accounts/service.ts': [
      `import { recordAudit } from '../audit/service.ts'`,
      `import { users } from './schema.ts'`,
      `import { findOrganisation } from '../providers/service.ts'`,
      `export const addUser = [recordAudit, users, findOrganisation]`,
    ].join('\n'),
  }

  beforeAll(() => {
    tree = mkdtempSync(path.join(tmpdir(), 'caremarket-dependency-rules-'))
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(tree, file)), { recursive: true })
      writeFileSync(path.join(tree, file), `${text}\n`)
    }
  })

  afterAll(() => rmSync(tree, { recursive: true, force: true }))

  it('refuse what crosses a boundary, and let through what goes by the published ways', async () => {
    expect(await violations(tree, ['src', 'bench'])).toEqual([
      'accounts-imports-no-domain: src/accounts/roles.ts → src/market/figures.ts',
      'accounts-imports-no-domain: src/accounts/service.ts → src/providers/service.ts',
      'brokerage-and-providers-never-import-market: src/brokerage/offers/store.ts → src/market/schema.ts',
      'brokerage-and-providers-never-import-market: src/brokerage/requests/service.ts → src/market/figures.ts',
      'brokerage-and-providers-never-import-market: src/providers/cqc/import.ts → src/market/figures.ts',
      'db-imports-no-domain: src/db/connection.ts → src/market/schema.ts',
      'demo-only-for-cli-bench-and-tests: src/web/app.ts → src/demo/generate.ts',
      'gathered-schema-gathers-only-schemas: src/db/schema.ts → src/market/icl/service.ts',
      'no-gathered-schema-in-domain-code: src/market/icl/service.ts → src/db/schema.ts',
      'no-other-domains-schema: src/market/figures.ts → src/brokerage/schema.ts',
      'no-other-domains-schema: src/market/figures.ts → src/providers/schema.ts',
      'no-other-domains-store: src/market/icl/store.ts → src/brokerage/requests/store.ts',
      'offer-path-reads-only-the-register-and-audit: src/brokerage/offers/store.ts → src/market/schema.ts',
      'shared-is-pure: src/shared/money.ts → src/brokerage/schema.ts',
      'web-and-scheduler-import-no-domain: src/scheduler.ts → src/market/listeners.ts',
      'web-and-scheduler-import-no-domain: src/web/navigation.ts → src/brokerage/requests/service.ts',
      'web-and-scheduler-import-no-domain: src/web/routes.ts → src/modules.ts',
    ])
  })

  it('hold on Caremarket’s own code', async () => {
    expect(await violations(root, ['src', 'test', 'e2e', 'bench'])).toEqual([])
  })
})
