import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, PASSWORD } from '../../test/helpers.ts'
import { getCouncilByCode } from '../accounts/service.ts'
import { MODULES } from '../modules.ts'
import { SECTIONS } from '../web/navigation.ts'
import { fillDemoHistory, planDemoHistory } from './background.ts'
import { createDemo, demoEmail } from './generate.ts'

// The demo council as people first see it: every page each role reaches from the navigation
// answers, shows what the demo is meant to have, and writes its dates the GOV.UK way
// ("21 December 2026"), never as ISO dates, except in form fields and links.
const ROLES = ['social_worker', 'broker', 'commissioner', 'council_admin', 'provider_user'] as const
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}\b/

let app: Awaited<ReturnType<typeof createTestApp>>
let councilId: number

beforeAll(async () => {
  app = await createTestApp()
  await createDemo(app.database.db, { scale: 1, seed: 1, password: PASSWORD, passwordCostLog2: 10 })
  councilId = (await getCouncilByCode(app.database.db, 'DEMO')).id
  await planDemoHistory(app.database.db, councilId, { weeks: 3, seed: 1 })
  await fillDemoHistory(app.database.db, councilId)
}, 300_000)
afterAll(async () => app?.close())

/**
 * What a person reads on a page: its text, without form fields, links' targets, scripts or styles,
 * or the audit log's details, which are the record itself (JSON, as kept).
 */
function readableText(html: string): string {
  return html
    .replace(/<(script|style|textarea|select)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<td class="[^"]*app-audit-details[^"]*">[\s\S]*?<\/td>/gi, ' ')
    .replace(/<input\b[^>]*>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
}

/** Each ISO date a person would read, with a little of the text around it. */
function isoDatesIn(text: string): string[] {
  return [...text.matchAll(new RegExp(ISO_DATE, 'g'))].map((m) =>
    text.slice(Math.max(0, (m.index ?? 0) - 60), (m.index ?? 0) + 20),
  )
}

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const [row] = ((await app.database.db.execute(query)) as unknown as { rows: Record<string, unknown>[] })
    .rows
  return Number(Object.values(row ?? {})[0] ?? 0)
}

describe('the demo council', () => {
  it('has market events, restrictions, framework lots, published narratives, spare home care hours and sufficiency data', async () => {
    expect(
      await count(sql`select count(*) from restrictions where council_id = ${councilId}`),
    ).toBeGreaterThan(2)
    expect(await count(sql`select count(*) from framework_lots where council_id = ${councilId}`)).toBe(2)
    expect(
      await count(
        sql`select count(*) from lot_memberships where council_id = ${councilId} and status = 'admitted'`,
      ),
    ).toBeGreaterThan(10)
    expect(await count(sql`select count(*) from mps_narratives where council_id = ${councilId}`)).toBe(5)
    expect(
      await count(sql`select count(*) from market_events where council_id = ${councilId}`),
    ).toBeGreaterThan(3)
    expect(
      await count(
        sql`select count(distinct location_id) from home_care_capacity_reports where council_id = ${councilId} and spare_minutes_per_week > 0`,
      ),
    ).toBeGreaterThan(10)
    // Requests in most PCN areas, which is what the sufficiency pages count.
    const areas = await count(sql`select count(*) from pcn_areas where council_id = ${councilId}`)
    const withRequests = await count(
      sql`select count(distinct p.pcn_area_id) from sourcing_requests r join people p on p.id = r.person_id where r.council_id = ${councilId}`,
    )
    expect(withRequests / areas).toBeGreaterThan(0.6)
  })

  it.each(ROLES)(
    'shows the %s dates people read as “21 December 2026” on every page of the navigation',
    async (role) => {
      const client = new Client(app.app)
      await client.signIn(demoEmail(role, 'DEMO'))
      const capabilities = MODULES.flatMap((m) => m.navigation).filter((c) => c.roles.includes(role))
      const sections = Object.values(SECTIONS)
        .filter((s) => capabilities.some((c) => c.href !== s.href))
        .map((s) => s.href)
      // The committee report, for those who produce it.
      const report = role === 'commissioner' ? ['/insights/report.html'] : []
      const urls = [...new Set(['/', ...capabilities.map((c) => c.href), ...sections, ...report])]
      const found: string[] = []
      // And the pages of single records they link to (a request, a package, a location…), one of each kind.
      const kinds = new Set<string>()
      const queue = [...urls]
      const seen = new Set(queue)
      for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
        const page = await client.get(url)
        if (page.statusCode === 403 || page.statusCode === 404) continue
        expect(page.statusCode, url).toBeLessThan(400)
        if (!String(page.headers['content-type']).includes('text/html')) continue
        for (const context of isoDatesIn(readableText(page.body))) found.push(`${url}: …${context}…`)
        for (const [, href] of page.body.matchAll(/href="(\/[^"?#]*\/\d+[^"?#]*)"/g)) {
          const kind = (href as string).replace(/\d+/g, 'N')
          if (kinds.has(kind) || seen.has(href as string) || /sign-out|download|\.(csv|pdf|json)/.test(kind))
            continue
          kinds.add(kind)
          seen.add(href as string)
          queue.push(href as string)
        }
      }
      expect(found).toEqual([])
    },
  )
})
