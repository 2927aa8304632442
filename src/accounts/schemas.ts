// What the accounts API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'
import { ROLES } from './roles.ts'

export const meSchema = z.object({
  id: z.int().describe('The person; 0 for a system’s API token, which has no person behind it'),
  email: z.string().describe('The person; for a system’s API token, which token and who made it'),
  role: z.enum(ROLES),
  council: z.object({ code: z.string(), name: z.string() }),
  providerOrganisationId: z.int().nullable(),
  teamIds: z.array(z.int()).describe('The teams whose requests a social worker sees, besides their own'),
  via: z
    .string()
    .nullable()
    .describe('The API token the person acts through: their own, or a system’s acting on their behalf'),
})

export const usersSchema = z.object({
  users: z.array(
    z.object({
      id: z.int(),
      email: z.string(),
      role: z.enum(ROLES),
      providerOrganisationId: z.int().nullable(),
      active: z.boolean(),
      createdAt: z.iso.datetime(),
      lastSignInAt: z.iso.datetime().nullable(),
    }),
  ),
})
