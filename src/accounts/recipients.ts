// Council staff who can be told something: active, not removed, with their role and teams, so the
// domain telling them can choose by role and respect a social worker's caseload.
import { and, asc, eq, inArray, isNull } from 'drizzle-orm'
import type { Queryable } from '../db/connection.ts'
import { COUNCIL_ROLES, type Role } from './roles.ts'
import { users } from './schema.ts'
import { teamIdsOf } from './teams.ts'

export interface StaffMember {
  id: number
  councilId: number
  email: string
  role: Role
  teamIds: readonly number[]
}

/**
 * A council's active staff with any of these roles, or among these users, oldest account first.
 * Provider users are never among them.
 */
export async function councilStaff(
  db: Queryable,
  councilId: number,
  filter: { roles?: readonly Role[]; userIds?: readonly number[] },
): Promise<StaffMember[]> {
  const roles = (filter.roles ?? COUNCIL_ROLES).filter((r) => COUNCIL_ROLES.includes(r))
  if (roles.length === 0 || filter.userIds?.length === 0) return []
  const rows = await db
    .select({
      id: users.id,
      councilId: users.councilId,
      email: users.email,
      role: users.role,
      teamIds: teamIdsOf(users.id),
    })
    .from(users)
    .where(
      and(
        eq(users.councilId, councilId),
        eq(users.active, true),
        isNull(users.removedAt),
        inArray(users.role, [...roles]),
        filter.userIds ? inArray(users.id, [...filter.userIds]) : undefined,
      ),
    )
    .orderBy(asc(users.id))
  return rows.map((r) => ({ ...r, role: r.role as Role, teamIds: r.teamIds ?? [] }))
}
