// The work waiting for a user, shown on their home page: each domain module brings the groups of its
// own queues for the roles it serves (DomainModule.queue), and the home page shows them together,
// each line with its count, its oldest few, and a link to the list it counts.
import type { SessionUser } from '../accounts/service.ts'

/** One of the oldest things in a queue line, linking to it. */
export interface QueueExample {
  text: string
  href: string
  /** What makes it due ("waiting 12 days", "closes 21 December 2026 at 17:00", "3 offers"). */
  detail: string
}

/** One line of a queue: what it is, how many, the list it counts, and its oldest first. */
export interface QueueLine {
  /** Stable name, for tests and the page's ids ("to-publish"). */
  id: string
  label: string
  count: number
  /** The list the count is of (the request list with the queue's filter, the ICL, ...). */
  href: string
  /** Instead of a number of things: "42% of locations", "Your capacity report is up to date". */
  countText?: string
  examples: QueueExample[]
}

export interface QueueGroup {
  heading: string
  /** Groups are shown in this order, whichever module brings them. */
  rank: number
  lines: QueueLine[]
}

/** A module's queues for a signed-in user: none for a role it does not serve. */
export type QueueSource = (user: SessionUser) => Promise<QueueGroup[]>

/** Every module's queues for the user, in rank order. */
export function combineQueues(sources: readonly QueueSource[]): QueueSource {
  return async (user) => {
    const groups = (await Promise.all(sources.map((source) => source(user)))).flat()
    return groups.filter((g) => g.lines.length > 0).sort((a, b) => a.rank - b.rank)
  }
}
