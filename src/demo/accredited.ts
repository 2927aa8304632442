// Day services the demo council accredits itself, so the register, day opportunities requests and
// the Market Position Statement's day services have real providers to show. Added through the
// accreditation service, as a commissioner would add them.
import type { Actor } from '../audit/service.ts'
import { addCalendarDays } from '../brokerage/rules/index.ts'
import { outcodeOf } from '../geography/rules.ts'
import type { Services } from '../services.ts'
import { londonDate } from '../shared/dates.ts'

const DEMO: Actor = { kind: 'system', label: 'demo' }

const DAY_SERVICES = [
  {
    organisation: 'Community Day Opportunities Trust',
    name: 'Riverside Day Centre',
    specialisms: ['dementia'],
  },
  { organisation: 'Community Day Opportunities Trust', name: 'Market Street Day Club', specialisms: [] },
  {
    organisation: 'Friends Together CIC',
    name: 'Friends Together Activity Hub',
    specialisms: ['learning_disability'],
  },
  // Its accreditation has lapsed: it is on the register but not invited until it is renewed.
  { organisation: 'Old Mill Community Group', name: 'Old Mill Lunch and Activities', specialisms: [] },
] as const

/** Adds the demo's accredited day services near the council's first care homes; returns how many. */
export async function addAccreditedDemoServices(
  services: Pick<Services, 'accredited' | 'register'>,
  councilId: number,
  now = new Date(),
): Promise<number> {
  const today = londonDate(now)
  const { rows } = await services.register.listLocations({ councilId }, { offset: 0, limit: 50 })
  const districts = [
    ...new Set(rows.map((r) => outcodeOf(r.postcode)).filter((o): o is string => o !== null)),
  ]
  let added = 0
  for (const [i, service] of DAY_SERVICES.entries()) {
    const outcode = districts[i % Math.max(1, districts.length)]
    if (!outcode) break
    const lapsed = i === DAY_SERVICES.length - 1
    await services.accredited.addAccreditedService(
      councilId,
      {
        organisationName: service.organisation,
        kind: lapsed ? 'community_group' : 'day_opportunities',
        name: service.name,
        address: `${10 + i} High Street`,
        postcode: `${outcode} 9ZZ`,
        serviceTypes: ['day_opportunities'],
        specialisms: [...service.specialisms],
        clientGroups: ['older_people', 'younger_adults'],
        criteriaMet: ['safeguarding', 'dbs_checks', 'insurance', 'training'],
        accreditedFrom: addCalendarDays(today, lapsed ? -3 * 365 : -180),
        accreditedTo: addCalendarDays(today, lapsed ? -30 : 2 * 365),
        accreditedBy: 'Quality and Market Development Team',
      },
      DEMO,
    )
    added++
  }
  return added
}
