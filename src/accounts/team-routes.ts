// Council admins' team pages: make teams and put social workers in them. A social worker sees the
// requests of their teams (and their own), so these pages decide who may read whose cases.
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { ConflictError, parseInput, ValidationError } from '../errors.ts'
import { recordId } from '../storable.ts'
import { field, formErrors } from '../web/forms.ts'
import { ROLE_LABELS } from './roles.ts'
import { actorOf, type SessionUser } from './service.ts'
import type { AccountsServices } from './services.ts'

const ADMINS = ['council_admin'] as const
const teamParams = z.object({ id: recordId('Team ID') })
const memberParams = z.object({ id: recordId('Team ID'), userId: recordId('User ID') })

/** What the team pages are given: the services they call, nothing more. */
export interface TeamRouteOptions {
  teams: AccountsServices['teams']
}

export const teamRoutes: FastifyPluginAsync<TeamRouteOptions> = async (app, { teams }) => {
  const showTeams = async (
    user: SessionUser,
    reply: FastifyReply,
    extra: { status?: number; values?: Record<string, string>; errors?: ValidationError } = {},
  ) =>
    reply.code(extra.status ?? 200).view('accounts/views/teams.njk', {
      pageTitle: 'Teams',
      teams: await teams.listTeams(user.councilId),
      values: extra.values ?? {},
      ...formErrors(extra.errors?.errors ?? []),
    })

  app.get('/admin/teams', { config: { access: ADMINS } }, async (request, reply) =>
    showTeams(request.user as SessionUser, reply),
  )

  app.post('/admin/teams', { config: { access: ADMINS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const values = { name: field(request.body, 'name') }
    try {
      const created = await teams.createTeam(user.councilId, values, actorOf(user))
      return reply.redirect(`/admin/teams/${created.id}?created=1`, 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showTeams(user, reply, { status: 400, values, errors: error })
      if (error instanceof ConflictError)
        return showTeams(user, reply, {
          status: 409,
          values,
          errors: new ValidationError([{ field: 'name', message: error.message }]),
        })
      throw error
    }
  })

  const showTeam = async (
    user: SessionUser,
    reply: FastifyReply,
    teamId: number,
    extra: {
      status?: number
      done?: string
      values?: Record<string, string>
      errors?: ValidationError
    } = {},
  ) => {
    const team = await teams.getTeam(user.councilId, teamId)
    return reply.code(extra.status ?? 200).view('accounts/views/team.njk', {
      pageTitle: team.name,
      team: {
        ...team,
        members: team.members.map((m) => ({ ...m, roleLabel: ROLE_LABELS[m.role] })),
      },
      done: extra.done,
      values: extra.values ?? {},
      ...formErrors(extra.errors?.errors ?? []),
    })
  }

  const DONE: Record<string, string> = {
    created: 'Team created. Add the social workers who work in it.',
    added: 'Added to the team. They now see the team’s requests.',
    removed: 'Removed from the team. They no longer see its requests, unless they made them.',
  }

  app.get('/admin/teams/:id', { config: { access: ADMINS } }, async (request, reply) => {
    const { id } = parseInput(teamParams, request.params)
    const done = Object.keys(DONE).find((key) => field(request.query, key) === '1')
    return showTeam(request.user as SessionUser, reply, id, { done: done ? DONE[done] : undefined })
  })

  app.post('/admin/teams/:id/members', { config: { access: ADMINS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(teamParams, request.params)
    const values = { email: field(request.body, 'email') }
    try {
      await teams.addTeamMember(user.councilId, id, values, actorOf(user))
      return reply.redirect(`/admin/teams/${id}?added=1`, 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showTeam(user, reply, id, { status: 400, values, errors: error })
      throw error
    }
  })

  app.post(
    '/admin/teams/:id/members/:userId/remove',
    { config: { access: ADMINS } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { id, userId } = parseInput(memberParams, request.params)
      await teams.removeTeamMember(user.councilId, id, userId, actorOf(user))
      return reply.redirect(`/admin/teams/${id}?removed=1`, 303)
    },
  )
}
