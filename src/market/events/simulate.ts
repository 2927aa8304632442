// Market events for the brokerage simulator, so a demo council's dashboard and committee report
// have failures, openings and changes in capacity to show. Every event goes through the service,
// as a commissioner would record it, and the same seed always gives the same events.
//
// Rates come from DOMAIN.md §12 and seed 000: Norfolk (693 regulated sites) counted 18 market
// failures in a year, affecting 370 people (about 20 each) at £0.57m of extra cost (about £1,540 a
// person). Openings and changes in registered beds are assumed a little rarer than failures.

import { count, eq } from 'drizzle-orm'
import type { Actor } from '../../audit/service.ts'
import { poisson } from '../../brokerage/simulator/rates.ts'
import type { Queryable } from '../../db/connection.ts'
import { londonDate } from '../../shared/dates.ts'
import { formatPoundsInput } from '../../shared/money.ts'
import { hashSeed, Random } from '../../shared/random.ts'
import { hoursText, type MarketEventKind } from './rules.ts'
import { marketEvents } from './schema.ts'
import {
  checkEventPlace,
  eventDefaults,
  type MarketEventRow,
  recordMarketEvent,
  updateMarketEvent,
} from './service.ts'

const NORFOLK_SITES = 693
const FAILURES_PER_SITE_YEAR = 18 / NORFOLK_SITES
const OPENINGS_PER_SITE_YEAR = 12 / NORFOLK_SITES
const CAPACITY_CHANGES_PER_SITE_YEAR = 10 / NORFOLK_SITES
/** £0.57m over 370 people. */
const COST_PER_PERSON_POUNDS = 570_000 / 370
/** Home care hours a week per person in Norfolk: 44,500 hours for 5,300 people. */
const HOURS_PER_PERSON = 44_500 / 5_300

const DAY_MS = 86_400_000
const WEEK_MS = 7 * DAY_MS

export interface MarketLocation {
  id: number
  providerOrganisationId: number
  serviceTypes: string[]
  registeredBeds: number | null
}

export interface MarketEventSimulatorOptions {
  councilId: number
  seed: number
  /** Who records the events: the council's commissioner where it has one. */
  actor: Actor
  /** The council's active locations when the simulation starts. */
  locations: MarketLocation[]
  /** Runs work at a simulated time: the simulator's event queue. */
  schedule: (at: number, run: () => Promise<void>) => void
  /** Told of the locations that failed, so they stop offering. */
  onFailure: (locationIds: number[]) => void
}

const isCareHome = (l: MarketLocation) =>
  l.serviceTypes.includes('residential_home') || l.serviceTypes.includes('nursing_home')
const isHomeCare = (l: MarketLocation) => l.serviceTypes.includes('home_care')

export class MarketEventSimulator {
  private readonly rng: Random
  private readonly live: Map<number, MarketLocation>
  /** Locations already in an event: each location has at most one, to keep the story simple. */
  private readonly used = new Set<number>()
  readonly recorded: MarketEventRow[] = []

  constructor(
    private readonly db: Queryable,
    private readonly options: MarketEventSimulatorOptions,
  ) {
    this.rng = new Random(hashSeed(options.seed, 0xe7e47))
    this.live = new Map([...options.locations].sort((a, b) => a.id - b.id).map((l) => [l.id, l]))
  }

  private perWeek(perSiteYear: number): number {
    return (perSiteYear * this.options.locations.length) / 52
  }

  /**
   * The council's record of the year before the simulation starts, as a commissioner would enter it
   * on taking Caremarket up. Only for a council with no events yet, so a second run adds none.
   */
  async history(start: Date): Promise<void> {
    const [existing] = await this.db
      .select({ n: count() })
      .from(marketEvents)
      .where(eq(marketEvents.councilId, this.options.councilId))
    if ((existing?.n ?? 0) > 0) return
    const planned: { at: number; kind: 'failure' | 'opening' | 'capacity_change' }[] = []
    const add = (kind: (typeof planned)[number]['kind'], perSiteYear: number) => {
      const n = poisson(this.perWeek(perSiteYear) * 52, () => this.rng.next())
      for (let i = 0; i < n; i++)
        planned.push({ at: start.getTime() - this.rng.between(1, 364) * DAY_MS, kind })
    }
    add('failure', FAILURES_PER_SITE_YEAR)
    add('opening', OPENINGS_PER_SITE_YEAR)
    add('capacity_change', CAPACITY_CHANGES_PER_SITE_YEAR)
    planned.sort((a, b) => a.at - b.at)
    // Entered at the start, all at once; costs older than a couple of months are known by then.
    for (const event of planned) await this.happen(event.kind, event.at, start.getTime())
  }

  /** The week's events, at random working-day times, recorded as they happen. */
  week(monday: number): void {
    const plan = (kind: 'failure' | 'opening' | 'capacity_change', perSiteYear: number) => {
      const n = poisson(this.perWeek(perSiteYear), () => this.rng.next())
      for (let i = 0; i < n; i++) {
        const at = monday + this.rng.int(0, 4) * DAY_MS + this.rng.between(1, 8) * 3_600_000
        this.options.schedule(at, () => this.happen(kind, at, at))
      }
    }
    plan('failure', FAILURES_PER_SITE_YEAR)
    plan('opening', OPENINGS_PER_SITE_YEAR)
    plan('capacity_change', CAPACITY_CHANGES_PER_SITE_YEAR)
  }

  private candidates(test: (l: MarketLocation) => boolean): MarketLocation[] {
    return [...this.live.values()].filter((l) => !this.used.has(l.id) && test(l))
  }

  private async happen(
    kind: 'failure' | 'opening' | 'capacity_change',
    at: number,
    now: number,
  ): Promise<void> {
    if (kind === 'failure') await this.failure(at, now)
    else if (kind === 'opening') await this.opening(at, now)
    else await this.capacityChange(at, now)
  }

  private async failure(at: number, now: number): Promise<void> {
    const pool = this.candidates((l) => isCareHome(l) || isHomeCare(l))
    if (pool.length === 0) return
    const location = this.rng.pick(pool)
    const roll = this.rng.next()
    const siblings = [...this.live.values()].filter(
      (l) => l.providerOrganisationId === location.providerOrganisationId,
    )
    // Small providers leave the market whole; a chain more often closes one home.
    const kind: MarketEventKind =
      roll < 0.2 && siblings.length <= 3 ? 'provider_exit' : roll < 0.65 ? 'closure' : 'deregistration'
    const covered = kind === 'provider_exit' ? siblings : [location]
    const occurredOn = londonDate(new Date(at))
    const place = await checkEventPlace(
      this.db,
      this.options.councilId,
      kind === 'provider_exit'
        ? { kind, providerId: location.providerOrganisationId, occurredOn }
        : { kind, locationId: location.id, occurredOn },
      new Date(now),
    )
    const defaults = await eventDefaults(this.db, this.options.councilId, place)
    // The commissioner knows the residents and home care clients Caremarket never placed.
    let estimate = 0
    let homeCarePeople = 0
    for (const l of covered) {
      if (isCareHome(l)) estimate += Math.round((l.registeredBeds ?? 0) * this.rng.between(0.6, 0.9))
      else {
        const people = this.rng.int(8, 40)
        estimate += people
        homeCarePeople += people
      }
    }
    const people = Math.max(defaults.counted.people, estimate)
    const hoursLost = Math.max(
      defaults.counted.homeCareMinutes / 60,
      Math.round(homeCarePeople * HOURS_PER_PERSON * this.rng.between(0.8, 1.2)),
    )
    const costPounds = Math.round((people * COST_PER_PERSON_POUNDS * this.rng.between(0.5, 1.5)) / 10) * 10
    const costKnownAt = at + this.rng.int(3, 10) * WEEK_MS
    const event = await this.record(
      {
        kind,
        occurredOn,
        locationId: place.location?.id,
        providerId: place.provider.id,
        bedsLost: defaults.values.bedsLost,
        homeCareHoursLost: String(Math.round(hoursLost)),
        peopleAffected: String(people),
        extraCost: costKnownAt <= now ? String(costPounds) : '',
        notes: NOTES[kind],
      },
      now,
    )
    for (const l of covered) {
      this.used.add(l.id)
      this.live.delete(l.id)
    }
    this.options.onFailure(covered.map((l) => l.id))
    // The cost comes in weeks later, if the simulation runs that long.
    if (costKnownAt > now)
      this.options.schedule(costKnownAt, async () => {
        await updateMarketEvent(
          this.db,
          this.options.councilId,
          event.id,
          { ...figuresOf(event), extraCost: String(costPounds) },
          this.options.actor,
          { now: new Date(costKnownAt) },
        )
      })
  }

  private async opening(at: number, now: number): Promise<void> {
    const pool = this.candidates((l) => isCareHome(l) || isHomeCare(l))
    if (pool.length === 0) return
    const location = this.rng.pick(pool)
    this.used.add(location.id)
    await this.record(
      {
        kind: 'opening',
        locationId: location.id,
        occurredOn: londonDate(new Date(at)),
        bedsGained: isCareHome(location) ? String(location.registeredBeds ?? 0) : '',
        homeCareHoursGained: isHomeCare(location) ? String(this.rng.int(5, 30) * 10) : '',
        notes: 'Registered with CQC and taking its first placements.',
      },
      now,
    )
  }

  private async capacityChange(at: number, now: number): Promise<void> {
    const pool = this.candidates((l) => isCareHome(l) && (l.registeredBeds ?? 0) >= 12)
    if (pool.length === 0) return
    const location = this.rng.pick(pool)
    this.used.add(location.id)
    const beds = this.rng.int(2, 8)
    const lost = this.rng.chance(0.6)
    await this.record(
      {
        kind: 'capacity_change',
        locationId: location.id,
        occurredOn: londonDate(new Date(at)),
        ...(lost
          ? { bedsLost: String(beds), peopleAffected: String(this.rng.int(0, beds)) }
          : { bedsGained: String(beds), peopleAffected: '0' }),
        notes: lost ? 'Rooms taken out of use: the home cannot staff them.' : 'New wing registered with CQC.',
      },
      now,
    )
  }

  private async record(input: Parameters<typeof recordMarketEvent>[2], now: number): Promise<MarketEventRow> {
    const row = await recordMarketEvent(this.db, this.options.councilId, input, this.options.actor, {
      now: new Date(now),
    })
    this.recorded.push(row)
    return row
  }
}

const NOTES: Partial<Record<MarketEventKind, string>> = {
  provider_exit: 'The provider handed back its contracts and closed its services in the area.',
  closure: 'The owner closed the service; people were moved to other providers.',
  deregistration: 'CQC cancelled the registration after an inspection.',
}

/** An event's stored figures as the form would send them, so an update changes only what it means to. */
function figuresOf(event: MarketEventRow) {
  return {
    occurredOn: event.occurredOn,
    bedsLost: String(event.bedsLost),
    bedsGained: String(event.bedsGained),
    homeCareHoursLost: hoursText(event.homeCareMinutesLost),
    homeCareHoursGained: hoursText(event.homeCareMinutesGained),
    peopleAffected: String(event.peopleAffected),
    extraCost: formatPoundsInput(event.extraCostPence),
    notes: event.notes,
  }
}
