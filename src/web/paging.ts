// How every list in the JSON API is paged: `limit` rows from `offset`, and the `total` matching
// across every page, so a client knows when it has read them all. One schema for the query and one
// for the answer, so /openapi.json says the same of every list.
import { z } from 'zod'

/** The most rows one page may ask for: enough for an export, few enough to answer quickly. */
const MAX_PAGE_LIMIT = 1000
const DEFAULT_PAGE_LIMIT = 100

const LIMIT_MESSAGE = `limit must be a whole number from 1 to ${MAX_PAGE_LIMIT.toLocaleString('en-GB')}`
const OFFSET_MESSAGE = 'offset must be a whole number from 0'

/** `?limit=&offset=`, to extend with a list's own filters. */
export const pagingQuery = z.object({
  limit: z.coerce
    .number({ error: LIMIT_MESSAGE })
    .int({ error: LIMIT_MESSAGE })
    .min(1, { error: LIMIT_MESSAGE })
    .max(MAX_PAGE_LIMIT, { error: LIMIT_MESSAGE })
    .default(DEFAULT_PAGE_LIMIT)
    .describe(`How many to answer with, 1 to ${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT})`),
  offset: z.coerce
    .number({ error: OFFSET_MESSAGE })
    .int({ error: OFFSET_MESSAGE })
    .min(0, { error: OFFSET_MESSAGE })
    .max(100_000_000, { error: OFFSET_MESSAGE })
    .default(0)
    .describe('How many to skip first (default 0)'),
})

export type Paging = z.output<typeof pagingQuery>

/** A page of a list: its rows under `key`, with the total matching and the page asked for. */
export function pagedSchema<K extends string, T extends z.ZodType>(key: K, item: T) {
  return z.object({
    ...({ [key]: z.array(item) } as Record<K, z.ZodArray<T>>),
    total: z.int().describe('How many match, across every page'),
    limit: z.int(),
    offset: z.int(),
  })
}

/** The answer for a page whose rows and total were read (in SQL, with limit and offset). */
export function pageAnswer<K extends string, T>(key: K, rows: T[], total: number, paging: Paging) {
  return { [key]: rows, total, limit: paging.limit, offset: paging.offset } as Record<K, T[]> & {
    total: number
    limit: number
    offset: number
  }
}

/** A page cut from a short list read whole (a council's users, webhooks, lots). */
export function pageOfList<K extends string, T>(key: K, rows: readonly T[], paging: Paging) {
  return pageAnswer(key, rows.slice(paging.offset, paging.offset + paging.limit), rows.length, paging)
}
