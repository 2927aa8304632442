import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { councilKey } from '../../accounts/keys.ts'
import { personKey, requestKey } from '../../brokerage/keys.ts'

/**
 * The instants the insights figures are made of, one row per request that has left its draft: a
 * rollup of the request's status changes and packages (firsts only, read through brokerage's
 * reporting views), rewritten from them in the same transaction as every status change and award
 * (keepRequestOutcome), so a period's figures read the requests of the period by index. The
 * person's locality and the district's rurality are read where they are kept, so changes to them
 * need nothing here.
 */
export const requestOutcomes = pgTable(
  'request_outcomes',
  {
    requestId: integer().primaryKey().references(requestKey),
    councilId: integer().notNull().references(councilKey),
    personId: integer().notNull().references(personKey),
    serviceType: text(),
    preferredOutcode: text(),
    /** The first event into each status; the first package's creation for the award. */
    submittedAt: timestamp({ withTimezone: true }),
    publishedAt: timestamp({ withTimezone: true }),
    awardedAt: timestamp({ withTimezone: true }),
    cancelledAt: timestamp({ withTimezone: true }),
  },
  (t) => [index().on(t.councilId, t.publishedAt), index().on(t.councilId, t.awardedAt)],
)
