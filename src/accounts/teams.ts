// Teams of a council's staff ("Hospital discharge team", "North locality"). A social worker sees the
// requests of their teams and their own (Caldicott need-to-know); council admins make the teams and
// put people in them. Membership changes what a person's API tokens may read, so it is announced.
import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import { z } from 'zod'
import { type Actor, recordAudit } from '../audit/service.ts'
import type { Database, Queryable } from '../db/connection.ts'
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../errors.ts'
import { announceAccessChange } from './access-changes.ts'
import type { Role } from './roles.ts'
import { teamMembers, teams, users } from './schema.ts'

export interface TeamMember {
  userId: number
  email: string
  role: Role
}

export interface Team {
  id: number
  name: string
  members: TeamMember[]
}

export interface TeamChoice {
  id: number
  name: string
}

const teamNameSchema = z.object({
  name: z
    .string({ error: 'Enter a name for the team' })
    .trim()
    .min(1, 'Enter a name for the team')
    .max(100, 'Team name must be 100 characters or fewer'),
})

const memberSchema = z.object({
  email: z
    .string({ error: 'Enter the email address of the person to add' })
    .trim()
    .min(1, 'Enter the email address of the person to add')
    .max(254, 'Email address must be 254 characters or fewer')
    .transform((v) => v.toLowerCase()),
})

/** The ids of the teams a user is in, as one column of a query over users. */
export function teamIdsOf(userId: AnyPgColumn): SQL<number[]> {
  return sql<
    number[]
  >`coalesce((select array_agg(${teamMembers.teamId} order by ${teamMembers.teamId}) from ${teamMembers} where ${teamMembers.userId} = ${userId}), '{}'::int[])`
}

export async function createTeam(
  db: Database,
  councilId: number,
  input: { name?: unknown },
  actor: Actor,
): Promise<TeamChoice> {
  const { name } = parseInput(teamNameSchema, input)
  return db.transaction(async (tx) => {
    // The (council, lower(name)) index decides, so two admins adding the same team cannot both win.
    const [created] = await tx
      .insert(teams)
      .values({ councilId, name })
      .onConflictDoNothing()
      .returning({ id: teams.id, name: teams.name })
    if (!created) throw new ConflictError(`There is already a team called ${name} in this council`)
    await recordAudit(tx, actor, {
      councilId,
      action: 'team.created',
      entityType: 'team',
      entityId: created.id,
      details: { name },
    })
    return created
  })
}

/** The council's teams with their members, by name. */
export async function listTeams(db: Queryable, councilId: number): Promise<Team[]> {
  const rows = await db
    .select({ id: teams.id, name: teams.name })
    .from(teams)
    .where(eq(teams.councilId, councilId))
    .orderBy(asc(sql`lower(${teams.name})`), asc(teams.id))
  const members = await db
    .select({ teamId: teamMembers.teamId, userId: users.id, email: users.email, role: users.role })
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(eq(teamMembers.councilId, councilId))
    .orderBy(asc(users.email))
  return rows.map((team) => ({
    ...team,
    members: members
      .filter((m) => m.teamId === team.id)
      .map((m) => ({ userId: m.userId, email: m.email, role: m.role as Role })),
  }))
}

export async function getTeam(db: Queryable, councilId: number, teamId: number): Promise<Team> {
  const team = (await listTeams(db, councilId)).find((t) => t.id === teamId)
  if (!team) throw new NotFoundError('No such team')
  return team
}

/** The teams a user is in, by name: the choices for a request's team. */
export async function teamsOfUser(db: Queryable, councilId: number, userId: number): Promise<TeamChoice[]> {
  return db
    .select({ id: teams.id, name: teams.name })
    .from(teamMembers)
    .innerJoin(teams, eq(teams.id, teamMembers.teamId))
    .where(and(eq(teamMembers.councilId, councilId), eq(teamMembers.userId, userId)))
    .orderBy(asc(sql`lower(${teams.name})`))
}

/** The names of these teams of the council, for showing whose caseload a request is. */
export async function teamNames(
  db: Queryable,
  councilId: number,
  teamIds: readonly number[],
): Promise<Map<number, string>> {
  if (teamIds.length === 0) return new Map()
  const rows = await db
    .select({ id: teams.id, name: teams.name })
    .from(teams)
    .where(and(eq(teams.councilId, councilId), inArray(teams.id, [...teamIds])))
  return new Map(rows.map((r) => [r.id, r.name]))
}

/** Puts a member of the council's staff in a team; adding someone already in it changes nothing. */
export async function addTeamMember(
  db: Database,
  councilId: number,
  teamId: number,
  input: { email?: unknown },
  actor: Actor,
): Promise<TeamMember> {
  const { email } = parseInput(memberSchema, input)
  return db.transaction(async (tx) => {
    await getTeam(tx, councilId, teamId)
    const [user] = await tx
      .select({ id: users.id, email: users.email, role: users.role, active: users.active })
      .from(users)
      .where(and(eq(users.councilId, councilId), eq(users.email, email)))
    // Another council's people are never revealed: they are simply not found here.
    if (!user?.active)
      throw new ValidationError([
        { field: 'email', message: `No active user with the email address ${email} in this council` },
      ])
    if (user.role === 'provider_user')
      throw new ValidationError([{ field: 'email', message: 'Provider users cannot be in a council team' }])
    const [added] = await tx
      .insert(teamMembers)
      .values({ councilId, teamId, userId: user.id })
      .onConflictDoNothing()
      .returning({ userId: teamMembers.userId })
    if (added) {
      await recordAudit(tx, actor, {
        councilId,
        action: 'team.member_added',
        entityType: 'team',
        entityId: teamId,
        details: { userId: user.id, email: user.email },
      })
      await announceAccessChange(tx, { userId: user.id })
    }
    return { userId: user.id, email: user.email, role: user.role as Role }
  })
}

export async function removeTeamMember(
  db: Database,
  councilId: number,
  teamId: number,
  userId: number,
  actor: Actor,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [removed] = await tx
      .delete(teamMembers)
      .where(
        and(
          eq(teamMembers.councilId, councilId),
          eq(teamMembers.teamId, teamId),
          eq(teamMembers.userId, userId),
        ),
      )
      .returning({ userId: teamMembers.userId })
    if (!removed) throw new NotFoundError('That person is not in this team')
    await recordAudit(tx, actor, {
      councilId,
      action: 'team.member_removed',
      entityType: 'team',
      entityId: teamId,
      details: { userId },
    })
    await announceAccessChange(tx, { userId })
  })
}
