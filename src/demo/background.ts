// The demo council's history, written in the background on its first start: the council and its
// users are made before the service answers, so people can sign in at once, and the weeks of
// brokerage behind it follow while the service runs. Restart-safe: each week is written in one
// transaction with the count of weeks written (demo_histories), the history is worked out the same
// way every time from what was recorded, and its ids come from a block kept for it, so a start that
// finds it unfinished writes only the weeks still to come, and the services' own rows never clash.
import { asc, eq, isNull, sql } from 'drizzle-orm'
import { councils } from '../accounts/schema.ts'
import type { Database } from '../db/connection.ts'
import { takeDueSnapshots } from '../market/icl/service.ts'
import { currentIds, generateHistory, type HistoryIds, type HistorySummary, ID_TABLES } from './history.ts'
import { addDemoMarket } from './market.ts'
import { demoHistories } from './schema.ts'

/** Requests a week in the demo council, and capacity figures a week (vacancies and spare hours). */
const DEMO_REQUESTS_PER_WEEK = 50
const DEMO_CAPACITY_UPDATES_PER_WEEK = 500

/** Ids kept per request (or, for capacity, per update asked for): far more than a history takes. */
const IDS_PER_REQUEST: Record<keyof HistoryIds, number> = {
  people: 3,
  requests: 3,
  visits: 20,
  offers: 40,
  packages: 8,
  events: 60,
  beds: 0,
  homeCare: 0,
  audit: 120,
}
const IDS_PER_CAPACITY_UPDATE = 3

/**
 * Records the history a new demo council is to have and keeps its block of ids: called before the
 * service answers, so that no row the services write takes an id the history will use.
 */
export async function planDemoHistory(
  db: Database,
  councilId: number,
  options: { weeks: number; seed: number; end?: Date },
): Promise<void> {
  if (options.weeks <= 0) return
  const requests = options.weeks * DEMO_REQUESTS_PER_WEEK
  const capacityUpdates = options.weeks * DEMO_CAPACITY_UPDATES_PER_WEEK
  const firstIds = await currentIds(db)
  const reserved = {} as HistoryIds
  for (const [name] of ID_TABLES)
    reserved[name] =
      name === 'beds' || name === 'homeCare'
        ? capacityUpdates * IDS_PER_CAPACITY_UPDATE
        : (requests + 10) * IDS_PER_REQUEST[name]
  await db.transaction(async (tx) => {
    await tx.insert(demoHistories).values({
      councilId,
      seed: options.seed,
      weeks: options.weeks,
      requests,
      capacityUpdates,
      endsAt: options.end ?? new Date(),
      firstIds,
      reservedIds: reserved,
    })
    for (const [name, table] of ID_TABLES)
      await tx.execute(
        sql`select setval(pg_get_serial_sequence(${table}, 'id'), ${firstIds[name] + reserved[name]}, true)`,
      )
  })
}

/** Councils whose demo history is not finished, oldest first. */
export async function unfinishedDemoHistories(db: Database): Promise<number[]> {
  const rows = await db
    .select({ councilId: demoHistories.councilId })
    .from(demoHistories)
    .where(isNull(demoHistories.completedAt))
    .orderBy(asc(demoHistories.councilId))
  return rows.map((r) => r.councilId)
}

export interface FillOptions {
  onProgress?: (weeksDone: number, weeks: number) => void
  /** Called before each week is written; throwing stops the history there, to be finished later. */
  beforeWeek?: (week: number) => Promise<void>
}

/**
 * Writes what is left of a council's demo history and marks it finished; nothing when it is
 * finished already. Stopped part-way (a throw from beforeWeek, or the process ending), it leaves
 * whole weeks written and the next call carries on after them.
 */
export async function fillDemoHistory(
  db: Database,
  councilId: number,
  options: FillOptions = {},
): Promise<HistorySummary | null> {
  const [plan] = await db
    .select({ history: demoHistories, code: councils.code })
    .from(demoHistories)
    .innerJoin(councils, eq(councils.id, demoHistories.councilId))
    .where(eq(demoHistories.councilId, councilId))
  if (!plan || plan.history.completedAt) return null
  const history = plan.history
  const summary = await generateHistory(db, {
    councilCode: plan.code,
    seed: history.seed,
    end: history.endsAt,
    weeks: history.weeks,
    requests: history.requests,
    capacityUpdates: history.capacityUpdates,
    onProgress: options.onProgress,
    resume: {
      firstIds: history.firstIds as HistoryIds,
      reserved: history.reservedIds as HistoryIds,
      weeksWritten: history.weeksWritten,
      beforeWeek: options.beforeWeek,
      written: async (client, weeksWritten) => {
        await client.query('update demo_histories set weeks_written = $1 where council_id = $2', [
          weeksWritten,
          councilId,
        ])
      },
    },
  })
  // The commissioners' side: narratives, lots and restrictions (each added once).
  await addDemoMarket(db, councilId, history.seed)
  // The Interim Care List's daily figures for the days the history covers.
  await takeDueSnapshots(db, new Date())
  await db
    .update(demoHistories)
    .set({ completedAt: new Date() })
    .where(eq(demoHistories.councilId, councilId))
  return summary
}
