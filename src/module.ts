// What a domain's area brings to Caremarket: its routes, its navigation entries and the jobs time
// drives. src/modules.ts gathers them; the web app and the scheduler compose whatever they are given.
import type { FastifyInstance } from 'fastify'
import type { Services } from './services.ts'
import type { Capability, Navigation } from './web/navigation.ts'
import type { QueueSource } from './web/queue.ts'

/** A scheduled job: does what is due and says what to log, or null when there was nothing to do. */
export interface Job {
  /** What failed, for the log. */
  failure: string
  run(now: Date): Promise<{ message: string; details: Record<string, unknown> } | null>
}

/** What the web app shares with every module's routes. */
interface WebContext {
  cookies: { session: string; councilChoice: string; twoFactor: string; singleSignOn: string }
  navigation: Navigation
  /** The work waiting for a user, from every module's queues, for their home page. */
  queueFor: QueueSource
}

export interface DomainModule {
  /** Registers the area's route plugins, giving each only the services it uses. */
  routes(app: FastifyInstance, services: Services, web: WebContext): Promise<void>
  /** Pages it offers, for the navigation and each role's home page, in the order shown. */
  navigation: readonly Capability[]
  jobs?(services: Services): Job[]
  /** The area's queues on each role's home page (src/web/queue.ts). */
  queue?(services: Services): QueueSource
}
