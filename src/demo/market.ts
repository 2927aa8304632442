// What a demo council's commissioners have set up besides brokerage, so that their pages are not
// empty: the year's market events, the Market Position Statement's narratives for every sector, a framework and a dynamic
// purchasing system with most of the eligible services admitted, and a few restrictions on care
// homes. Each is added through the service that owns it, and only when the council has none yet,
// so running it again (a start that finishes an interrupted demo history) adds nothing twice.
import { and, asc, count, eq } from 'drizzle-orm'
import { users } from '../accounts/schema.ts'
import type { Actor } from '../audit/service.ts'
import { addCalendarDays } from '../brokerage/rules/index.ts'
import type { Database } from '../db/connection.ts'
import { MarketEventSimulator } from '../market/events/simulate.ts'
import { MPS_SECTORS, type MpsSector } from '../market/mps/sectors.ts'
import { narrativeDates, saveNarrative } from '../market/mps/service.ts'
import { apply, createLot, decide, listLots } from '../providers/frameworks/service.ts'
import { placeRestriction } from '../providers/quality/service.ts'
import { frameworkLots, locations, restrictions } from '../providers/schema.ts'
import { londonDate } from '../shared/dates.ts'
import { hashSeed, Random } from '../shared/random.ts'

const NARRATIVES: Record<
  MpsSector,
  { supplyAndDemand: string; commissioningIntentions: string; messagesToProviders: string }
> = {
  'older-people-care-homes': {
    supplyAndDemand:
      'Demand for residential and nursing care for older people is rising by about 3% a year, fastest for people living with dementia. Most homes in the market towns are full for much of the winter, while some rural homes have vacancies they struggle to staff.',
    commissioningIntentions:
      'We will buy more dementia nursing places through the care homes dynamic purchasing system, and pay an enhanced rate for placements made within a day of hospital discharge.',
    messagesToProviders:
      'Tell us about vacancies every week: brokers see the most recent figures when they invite homes. We welcome proposals to convert residential beds to dementia nursing.',
  },
  'working-age-care-homes': {
    supplyAndDemand:
      'A small number of homes serve younger adults with learning disabilities or mental health needs, and several people are placed outside the county for want of a local service.',
    commissioningIntentions:
      'We want to bring people back into the county: we will commission supported living first, and care homes only where people’s needs call for them.',
    messagesToProviders: 'Talk to the commissioning team before opening a new service for younger adults.',
  },
  'home-care': {
    supplyAndDemand:
      'Home care is hardest to find in the rural north and west of the county, where visits are far apart. Around a third of people waiting on the Interim Care List need home care.',
    commissioningIntentions:
      'The home care framework pays a rural rate in the districts where care is hardest to find, and we will set up runs with providers in those districts.',
    messagesToProviders:
      'Report your spare hours each week, district by district: brokers use them to decide whom to invite first.',
  },
  'supported-living': {
    supplyAndDemand: 'Supported living schemes are full, with waiting lists in the two largest towns.',
    commissioningIntentions:
      'We will commission two new schemes in the next two years, with housing partners.',
    messagesToProviders:
      'We would like to hear from providers who can work with housing associations on new schemes.',
  },
  'day-services': {
    supplyAndDemand:
      'Day services are well supplied in the towns; people in rural areas often cannot reach them without transport.',
    commissioningIntentions:
      'We will fund transport to accredited day services for people who cannot travel alone.',
    messagesToProviders: 'Apply for council accreditation to receive day opportunities requests.',
  },
}

const LOTS = [
  {
    name: 'Home care framework 2026 to 2030',
    procurement: 'framework' as const,
    serviceType: 'home_care' as const,
    description: 'Domiciliary care across the county, with a rural rate in the hardest-to-serve districts.',
    questions: ['Which districts can you cover?', 'How do you recruit and keep care workers?'],
    opensDaysAgo: 300,
    closesDaysAgo: 240,
  },
  {
    name: 'Care homes dynamic purchasing system',
    procurement: 'dps' as const,
    serviceType: 'residential_home' as const,
    description: 'Residential care for older people, including people living with dementia.',
    questions: ['How many of your beds are for people living with dementia?'],
    opensDaysAgo: 400,
    closesDaysAgo: null,
  },
]

const RESTRICTIONS = [
  {
    kind: 'no_new_placements' as const,
    reason: 'CQC rated the home inadequate for safety; a quality improvement plan is under way.',
  },
  {
    kind: 'placement_limit' as const,
    monthlyLimit: 2,
    reason: 'New manager in post: placements limited while staffing settles.',
  },
  {
    kind: 'contact_quality_team' as const,
    reason: 'Safeguarding enquiry open: speak to the quality team before placing.',
  },
  { kind: 'placement_limit' as const, monthlyLimit: 4, reason: 'Action plan after a council PAMMS audit.' },
  { kind: 'contact_quality_team' as const, reason: 'Medication errors reported last month.' },
]

/** Adds the demo council's narratives, lots and restrictions where it has none: see above. */
export async function addDemoMarket(
  db: Database,
  councilId: number,
  seed: number,
  now = new Date(),
): Promise<void> {
  const today = londonDate(now)
  const rng = new Random(hashSeed(seed, 0x3a7e))
  const [commissioner] = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.councilId, councilId), eq(users.role, 'commissioner')))
    .orderBy(asc(users.id))
    .limit(1)
  const actor: Actor = commissioner
    ? { kind: 'user', userId: commissioner.id, councilId, email: commissioner.email }
    : { kind: 'system', label: 'demo' }

  const written = await narrativeDates(db, councilId)
  for (const sector of MPS_SECTORS)
    if (!written.has(sector)) await saveNarrative(db, councilId, sector, NARRATIVES[sector], actor)

  const active = await db
    .select({
      id: locations.id,
      organisationId: locations.providerOrganisationId,
      serviceTypes: locations.serviceTypes,
      beds: locations.registeredBeds,
    })
    .from(locations)
    .where(and(eq(locations.councilId, councilId), eq(locations.active, true)))
    .orderBy(asc(locations.id))

  const [lotCount] = await db
    .select({ n: count() })
    .from(frameworkLots)
    .where(eq(frameworkLots.councilId, councilId))
  if ((lotCount?.n ?? 0) === 0) {
    for (const spec of LOTS) {
      const lot = await createLot(
        db,
        councilId,
        {
          name: spec.name,
          procurement: spec.procurement,
          serviceType: spec.serviceType,
          description: spec.description,
          questions: spec.questions,
          opensOn: addCalendarDays(today, -spec.opensDaysAgo),
          closesOn: spec.closesDaysAgo === null ? null : addCalendarDays(today, -spec.closesDaysAgo),
        },
        actor,
      )
      const answers = Object.fromEntries(
        lot.questions.map((q) => [q.id, 'Answered in our tender submission, section 3.']),
      )
      for (const location of active.filter((l) => l.serviceTypes.includes(spec.serviceType))) {
        // Most eligible services applied; most of those were admitted, a few are still waiting.
        if (!rng.chance(0.8)) continue
        const membership = await apply(
          db,
          { councilId, providerOrganisationId: location.organisationId },
          lot.id,
          { locationId: location.id, answers },
          { kind: 'system', label: 'demo' },
          { today: addCalendarDays(today, -spec.opensDaysAgo + 10) },
        )
        if (rng.chance(0.85))
          await decide(
            db,
            councilId,
            lot.id,
            membership.id,
            { decision: 'admit', effectiveOn: addCalendarDays(today, -spec.opensDaysAgo + 30) },
            actor,
          )
      }
    }
  }
  if ((await listLots(db, councilId)).length === 0) throw new Error('the demo lots were not created')

  // The year's market events a commissioner records on taking Caremarket up (only if none yet).
  await new MarketEventSimulator(db, {
    councilId,
    seed,
    actor,
    locations: active.map((l) => ({
      ...l,
      providerOrganisationId: l.organisationId,
      registeredBeds: l.beds,
    })),
    schedule: () => {},
    onFailure: () => {},
  }).history(now)

  const [restrictionCount] = await db
    .select({ n: count() })
    .from(restrictions)
    .where(eq(restrictions.councilId, councilId))
  if ((restrictionCount?.n ?? 0) === 0) {
    const homes = active.filter(
      (l) =>
        (l.beds ?? 0) > 0 &&
        (l.serviceTypes.includes('residential_home') || l.serviceTypes.includes('nursing_home')),
    )
    for (const [i, spec] of RESTRICTIONS.entries()) {
      const home = homes[Math.floor(((i + rng.next()) * homes.length) / RESTRICTIONS.length)]
      if (!home) continue
      await placeRestriction(
        db,
        councilId,
        home.id,
        {
          kind: spec.kind,
          monthlyLimit: 'monthlyLimit' in spec ? spec.monthlyLimit : null,
          startsOn: addCalendarDays(today, -(20 + i * 9)),
          endsOn: i % 2 === 0 ? null : addCalendarDays(today, 60 + i * 15),
          reason: spec.reason,
        },
        actor,
      )
    }
  }
}
