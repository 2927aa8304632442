import type { AddressInfo } from 'node:net'
import { createTestApp, type Fixture, seedCouncil } from '../test/helpers.ts'

export interface RunningServer {
  baseUrl: string
  fixture: Fixture
  councilName: string
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
    return { baseUrl: `http://127.0.0.1:${port}`, fixture, councilName: `${code} Test Council`, close }
  } catch (error) {
    await close()
    throw error
  }
}
