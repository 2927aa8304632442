import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { parseInput, ValidationError } from '../errors.ts'
import { recordId } from '../storable.ts'
import { field, formErrors } from '../web/forms.ts'
import { COUNCIL_ROLES, ROLE_LABELS, type Role } from './roles.ts'
import type { SessionUser } from './service.ts'
import type { AccountsServices } from './services.ts'

const idParams = z.object({ id: recordId('Token ID') })

/** The same token pages for a provider (its organisation's tokens) and a council admin (the council's). */
/** What the API token pages are given: the services they call, nothing more. */
export interface ApiTokenRouteOptions {
  accounts: Pick<AccountsServices['accounts'], 'listApiTokens' | 'createApiToken' | 'revokeApiToken'>
}

export const apiTokenRoutes: FastifyPluginAsync<ApiTokenRouteOptions> = async (app, { accounts }) => {
  const variants = [
    {
      basePath: '/provider/api-tokens',
      roles: ['provider_user'] as Role[],
      introduction:
        'Your systems can update capacity through the Caremarket API with a token. A token acts for your organisation only.',
    },
    {
      basePath: '/admin/api-tokens',
      roles: ['council_admin'] as Role[],
      introduction:
        'Council systems can use the Caremarket API with a token. A token acts with the role you choose, within this council.',
    },
  ]

  for (const variant of variants) {
    const show = async (
      user: SessionUser,
      reply: FastifyReply,
      extra: {
        status?: number
        newToken?: string
        revoked?: boolean
        values?: Record<string, string>
        errors?: ValidationError
      },
    ) => {
      const tokens = await accounts.listApiTokens(user)
      return reply.code(extra.status ?? 200).view('accounts/views/api-tokens.njk', {
        pageTitle: 'API tokens',
        basePath: variant.basePath,
        introduction: variant.introduction,
        tokens: tokens.map((t) => ({ ...t, roleLabel: ROLE_LABELS[t.role as Role] })),
        roleItems: user.providerOrganisationId
          ? null
          : COUNCIL_ROLES.map((role) => ({
              value: role,
              text: ROLE_LABELS[role],
              selected: extra.values?.role === role,
            })),
        newToken: extra.newToken,
        revoked: extra.revoked,
        values: extra.values ?? {},
        ...formErrors(extra.errors?.errors ?? []),
      })
    }

    app.get(variant.basePath, { config: { access: variant.roles } }, async (request, reply) =>
      show(request.user as SessionUser, reply, { revoked: field(request.query, 'revoked') === '1' }),
    )

    app.post(variant.basePath, { config: { access: variant.roles } }, async (request, reply) => {
      const user = request.user as SessionUser
      const values = { name: field(request.body, 'name'), role: field(request.body, 'role') }
      try {
        const created = await accounts.createApiToken(user, {
          name: values.name,
          role: values.role || undefined,
        })
        // The secret is shown on this response only; a redirect would have to carry it in the URL.
        return show(user, reply, { status: 201, newToken: created.token })
      } catch (error) {
        if (error instanceof ValidationError) return show(user, reply, { status: 400, values, errors: error })
        throw error
      }
    })

    app.post(
      `${variant.basePath}/:id/revoke`,
      { config: { access: variant.roles } },
      async (request, reply) => {
        const { id } = parseInput(idParams, request.params)
        await accounts.revokeApiToken(request.user as SessionUser, id)
        return reply.redirect(`${variant.basePath}?revoked=1`, 303)
      },
    )
  }
}
