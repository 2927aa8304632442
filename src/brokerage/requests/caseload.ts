// Caldicott need-to-know: a social worker sees and acts on the requests of their teams (colleagues
// cover for one another) and their own; one in no team sees only their own. Brokers, commissioners
// and council admins, and the service itself, see the whole council. A request outside the caseload
// answers 404, as another council's would, and the attempt is audited.
import { eq, inArray, or, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import type { Role } from '../../accounts/roles.ts'
import { type TeamChoice, teamNames, teamsOfUser } from '../../accounts/teams.ts'
import { recordAudit } from '../../audit/service.ts'
import type { Queryable } from '../../db/connection.ts'
import { NotFoundError, ValidationError } from '../../errors.ts'

/**
 * Whose records are read: the council, and for a social worker who they are and their teams. A
 * signed-in user (SessionUser) is one; `{ councilId }` alone reads the whole council.
 */
export interface RequestScope {
  councilId: number
  role?: Role
  id?: number
  teamIds?: readonly number[]
  email?: string
  via?: string
}

/** A social worker's caseload: their teams' requests and their own. */
interface Caseload {
  userId: number
  teamIds: readonly number[]
}

/** The caseload the scope is limited to; null when it sees the whole council. */
function caseloadOf(scope: RequestScope): Caseload | null {
  return scope.role === 'social_worker' ? { userId: scope.id ?? 0, teamIds: scope.teamIds ?? [] } : null
}

/** Whether the scope may see this request. */
export function inCaseload(
  scope: RequestScope,
  request: { createdByUserId: number | null; teamId: number | null },
): boolean {
  const caseload = caseloadOf(scope)
  if (!caseload) return true
  if (caseload.userId !== 0 && request.createdByUserId === caseload.userId) return true
  return request.teamId !== null && caseload.teamIds.includes(request.teamId)
}

/** The rows of requests the scope may see, as SQL over these columns; undefined for the whole council. */
export function caseloadCondition(
  scope: RequestScope,
  columns: { createdByUserId: AnyPgColumn; teamId: AnyPgColumn },
): SQL | undefined {
  const caseload = caseloadOf(scope)
  if (!caseload) return undefined
  const own = eq(columns.createdByUserId, caseload.userId)
  return caseload.teamIds.length > 0 ? (or(own, inArray(columns.teamId, [...caseload.teamIds])) as SQL) : own
}

/**
 * Refuses a record outside the scope's caseload as not found, and audits the attempt. Written
 * outside any transaction the refusal would roll back, so the attempt stays recorded.
 */
export async function refuseOutsideCaseload(
  db: Queryable,
  scope: RequestScope,
  record: { type: 'sourcing_request' | 'package'; id: number; teamId: number | null },
): Promise<never> {
  await recordAudit(
    db,
    {
      kind: 'user',
      userId: scope.id || null,
      councilId: scope.councilId,
      email: scope.email ?? 'unknown',
      ...(scope.via ? { via: scope.via } : {}),
    },
    {
      councilId: scope.councilId,
      action: 'caseload.refused',
      entityType: record.type,
      entityId: record.id,
      details: { teamId: record.teamId, userTeamIds: scope.teamIds ?? [] },
    },
  )
  throw new NotFoundError(record.type === 'package' ? 'No such package' : 'No such request')
}

/** The teams a new request may be given by this caller, by name. */
export async function teamChoices(db: Queryable, scope: RequestScope): Promise<TeamChoice[]> {
  if (scope.role !== 'social_worker' || !scope.id) return []
  return teamsOfUser(db, scope.councilId, scope.id)
}

/**
 * The team a new request belongs to: the one chosen, or the social worker's team when they are in
 * one. A social worker in several teams chooses; a team they are not in is refused. A broker (or
 * the service) may give any team of the council, or none.
 */
export async function teamForNewRequest(
  db: Queryable,
  scope: RequestScope,
  given: unknown,
): Promise<number | null> {
  const chosen = given === undefined || given === null || given === '' ? null : Number(given)
  if (chosen !== null && (!Number.isSafeInteger(chosen) || chosen < 1))
    throw new ValidationError([{ field: 'teamId', message: 'Choose a team from the list' }])
  if (scope.role === 'social_worker') {
    const own = scope.teamIds ?? []
    if (chosen === null) {
      if (own.length > 1)
        throw new ValidationError([
          { field: 'teamId', message: 'Choose which of your teams this request is for' },
        ])
      return own[0] ?? null
    }
    if (!own.includes(chosen))
      throw new ValidationError([{ field: 'teamId', message: 'Choose one of your own teams' }])
    return chosen
  }
  if (chosen === null) return null
  if (!(await teamNames(db, scope.councilId, [chosen])).has(chosen))
    throw new ValidationError([
      { field: 'teamId', message: 'Choose a team from the list: there is no such team' },
    ])
  return chosen
}

/** The name of the team whose caseload the request is, or null. */
export async function teamNameOf(
  db: Queryable,
  request: { councilId: number; teamId: number | null },
): Promise<string | null> {
  if (request.teamId === null) return null
  return (await teamNames(db, request.councilId, [request.teamId])).get(request.teamId) ?? null
}
