// Test-only: the seeded council's users as the session users the services take. Never imported
// by the running service.
import { eq } from 'drizzle-orm'
import type { Role } from '../../src/accounts/roles.ts'
import type { SessionUser } from '../../src/accounts/service.ts'
import type { DatabaseHandle } from '../../src/db/connection.ts'
import { teamMembers, users } from '../../src/db/schema.ts'

export async function sessionUserOf(
  database: DatabaseHandle,
  fixture: { councilId: number; code: string; emails: Record<string, string> },
  role: Exclude<Role, 'provider_user'>,
): Promise<SessionUser> {
  const [row] = await database.db
    .select()
    .from(users)
    .where(eq(users.email, fixture.emails[role] as string))
  if (!row) throw new Error(`no ${role} in ${fixture.code}`)
  return {
    id: row.id,
    email: row.email,
    role,
    councilId: fixture.councilId,
    councilCode: fixture.code,
    councilName: `${fixture.code} Test Council`,
    councilIsDemo: false,
    providerOrganisationId: null,
    teamIds: (
      await database.db
        .select({ teamId: teamMembers.teamId })
        .from(teamMembers)
        .where(eq(teamMembers.userId, row.id))
    ).map((m) => m.teamId),
  }
}

/** A care home request that passes every check, as the API takes it. */
export function careHomeRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    person: {
      name: 'Winifred Applethwaite',
      dateOfBirth: '1938-04-17',
      sex: 'female',
      postcode: 'nr3 1qx',
      nhsNumber: '943 476 5919',
    },
    serviceType: 'residential',
    clientGroup: 'older_people',
    specialisms: [],
    needsSummary: 'Needs help with washing, dressing and medication; walks with a frame.',
    startDate: '2026-03-20',
    urgency: 'routine',
    usualPricePounds: '850.50',
    notesForProviders: 'Has a cat she would like to bring.',
    ...overrides,
  }
}

/** A home care request with four visits a day, two of them needing two carers. */
export function homeCareRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
  return careHomeRequest({
    serviceType: 'home_care',
    usualPricePounds: '24.10',
    visits: [
      { days: everyDay, windowStart: '07:30', windowEnd: '09:00', durationMinutes: 45, carers: 2 },
      { days: everyDay, windowStart: '12:00', windowEnd: '13:00', durationMinutes: 30, carers: 1 },
      { days: everyDay, windowStart: '17:00', windowEnd: '18:00', durationMinutes: 30, carers: 1 },
      { days: everyDay, windowStart: '20:00', windowEnd: '21:30', durationMinutes: 45, carers: 2 },
    ],
    carerGender: 'female_preferred',
    language: 'Polish',
    ...overrides,
  })
}
