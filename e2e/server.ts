import type { AddressInfo } from 'node:net'
import type { Database, DatabaseHandle } from '../src/db/connection.ts'
import { createDemo } from '../src/demo/generate.ts'
import { takeDueSnapshots } from '../src/market/icl/service.ts'
import { mondayOf, simulate } from '../src/simulator/simulate.ts'
import { createTestApp, type Fixture, PASSWORD, seedCouncil } from '../test/helpers.ts'

export interface RunningServer {
  baseUrl: string
  fixture: Fixture
  councilName: string
  database: DatabaseHandle
  close: () => Promise<void>
}

/** The real app on a random local port, with one seeded council, for a browser to talk to. */
export async function startServer(code = 'EZE'): Promise<RunningServer> {
  // Every role signs in from the same address; the production limit would lock the later ones out.
  const { app, database, config, close } = await createTestApp({
    CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000',
  })
  try {
    const fixture = await seedCouncil(database, code, config)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      fixture,
      councilName: `${code} Test Council`,
      database,
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}

export interface DemoServer {
  baseUrl: string
  /** The demo user of each council role. */
  emailOf: (role: 'social_worker' | 'broker' | 'commissioner' | 'council_admin') => string
  close: () => Promise<void>
}

export interface DemoHistory {
  /** The simulation starts on the Monday of the week this many days ago. */
  startDaysAgo: number
  weeks: number
  seed: number
  volume: number
  /** Takes the Interim Care List's daily snapshots up to yesterday, as the scheduler would. */
  snapshots?: boolean
  /** Anything more the test needs in the database before the server listens. */
  prepare?: (db: Database) => Promise<void>
}

/** The real app with the demo council and weeks of its brokerage simulated through the services. */
export async function startDemoServer(history: DemoHistory): Promise<DemoServer> {
  const { app, database, close } = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
  try {
    const demo = await createDemo(database.db, {
      scale: 1,
      seed: 1,
      password: PASSWORD,
      passwordCostLog2: 10,
    })
    const start = mondayOf(new Date(Date.now() - history.startDaysAgo * 86_400_000))
    const { weeks, seed, volume } = history
    await simulate(database.db, { councilCode: 'DEMO', weeks, seed, start, volume })
    if (history.snapshots) await takeDueSnapshots(database.db)
    await history.prepare?.(database.db)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    const emailOf: DemoServer['emailOf'] = (role) => {
      const user = demo.users.find((u) => u.role === role)
      if (!user) throw new Error(`the demo has no ${role}`)
      return user.email
    }
    return { baseUrl: `http://127.0.0.1:${port}`, emailOf, close }
  } catch (error) {
    await close()
    throw error
  }
}
