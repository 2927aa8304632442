import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { parseInput, ValidationError } from '../errors.ts'
import { recordId } from '../storable.ts'
import { ANY_ROLE } from '../web/access.ts'
import { operation } from '../web/api-schema.ts'
import { field, formErrors } from '../web/forms.ts'
import { DEFAULT_ROTATION_GRACE_HOURS, DEFAULT_TOKEN_DAYS } from './api-tokens.ts'
import { COUNCIL_ROLES, ROLE_LABELS, type Role } from './roles.ts'
import type { SessionUser } from './service.ts'
import type { AccountsServices } from './services.ts'

const idParams = z.object({ id: recordId('Token ID') })

const rotateBody = z.object({
  graceHours: z
    .int()
    .min(0)
    .max(720)
    .optional()
    .describe(`How long the old secret keeps working, in hours (default ${DEFAULT_ROTATION_GRACE_HOURS})`),
  expiresInDays: z
    .int()
    .min(1)
    .max(730)
    .optional()
    .describe(`How long the new secret works, in days (default ${DEFAULT_TOKEN_DAYS})`),
})
const rotatedSchema = z.object({
  id: z.int(),
  token: z.string().describe('The new secret: shown once, never stored'),
  expiresAt: z.iso.datetime(),
  previousExpiresAt: z.iso.datetime().describe('Until when the secret it replaced still works'),
})

/** What the API token pages are given: the services they call, nothing more. */
export interface ApiTokenRouteOptions {
  accounts: Pick<
    AccountsServices['accounts'],
    'listApiTokens' | 'createApiToken' | 'revokeApiToken' | 'rotateApiToken' | 'rotateOwnApiToken'
  >
}

/** The same token pages for a provider (its organisation's tokens) and a council admin (the council's). */
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
        'Council systems can use the Caremarket API with a token. A token acts as one person of this council, with their role and teams, or as a system with the role you choose.',
    },
  ]

  for (const variant of variants) {
    const show = async (
      user: SessionUser,
      reply: FastifyReply,
      extra: {
        status?: number
        newToken?: string
        rotated?: { previousExpiresAt: Date }
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
        forCouncil: !user.providerOrganisationId,
        tokens: tokens.map((t) => ({
          ...t,
          actsAs: t.userEmail ?? ROLE_LABELS[t.role as Role],
          expired: t.expiresAt.getTime() <= Date.now(),
        })),
        roleItems: user.providerOrganisationId
          ? null
          : COUNCIL_ROLES.map((role) => ({
              value: role,
              text: ROLE_LABELS[role],
              selected: extra.values?.role === role,
            })),
        defaultDays: DEFAULT_TOKEN_DAYS,
        defaultGraceHours: DEFAULT_ROTATION_GRACE_HOURS,
        newToken: extra.newToken,
        rotated: extra.rotated,
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
      const values = {
        name: field(request.body, 'name'),
        actsAs: field(request.body, 'actsAs'),
        userEmail: field(request.body, 'userEmail'),
        role: field(request.body, 'role'),
        mayActOnBehalf: field(request.body, 'mayActOnBehalf'),
        expiresInDays: field(request.body, 'expiresInDays'),
      }
      const asPerson = values.actsAs === 'person'
      try {
        const created = await accounts.createApiToken(user, {
          name: values.name,
          userEmail: asPerson ? values.userEmail : undefined,
          role: asPerson ? undefined : values.role || undefined,
          mayActOnBehalf: !asPerson && values.mayActOnBehalf === 'yes',
          expiresInDays: values.expiresInDays || undefined,
        })
        // The secret is shown on this response only; a redirect would have to carry it in the URL.
        return show(user, reply, { status: 201, newToken: created.token })
      } catch (error) {
        if (error instanceof ValidationError) return show(user, reply, { status: 400, values, errors: error })
        throw error
      }
    })

    app.post(
      `${variant.basePath}/:id/rotate`,
      { config: { access: variant.roles } },
      async (request, reply) => {
        const user = request.user as SessionUser
        const { id } = parseInput(idParams, request.params)
        const values = { graceHours: field(request.body, 'graceHours') }
        try {
          const rotated = await accounts.rotateApiToken(user, id, { graceHours: values.graceHours })
          return show(user, reply, { status: 201, newToken: rotated.token, rotated })
        } catch (error) {
          if (error instanceof ValidationError)
            return show(user, reply, { status: 400, values, errors: error })
          throw error
        }
      },
    )

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

  app.post(
    '/api/v1/api-token/rotate',
    {
      config: { access: ANY_ROLE },
      schema: operation({
        summary: 'Give the API token this request presents a new secret',
        description:
          'The new secret is in the answer, once. The old one keeps working for graceHours (default 24), so a system can change over without a gap, and then stops. The new secret lasts expiresInDays (default 365). With X-On-Behalf-Of, the system’s own token is rotated.',
        tags: ['accounts'],
        body: rotateBody,
        responses: { 201: rotatedSchema },
        errors: [404],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const body = parseInput(rotateBody, request.body ?? {})
      return reply.code(201).send(await accounts.rotateOwnApiToken(user, body))
    },
  )
}
