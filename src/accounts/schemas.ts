// What the accounts API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'
import { pagedSchema } from '../web/paging.ts'
import { ROLES } from './roles.ts'

export const meSchema = z.object({
  id: z.int(),
  email: z.string().describe('For an API token, which token and who made it'),
  role: z.enum(ROLES),
  council: z.object({ code: z.string(), name: z.string() }),
  providerOrganisationId: z.int().nullable(),
})

export const usersSchema = pagedSchema(
  'users',
  z.object({
    id: z.int(),
    email: z.string(),
    role: z.enum(ROLES),
    providerOrganisationId: z.int().nullable(),
    active: z.boolean(),
    createdAt: z.iso.datetime(),
    lastSignInAt: z.iso.datetime().nullable(),
  }),
)
