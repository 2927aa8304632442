// What the accounts API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'
import { recordId } from '../storable.ts'
import { pagedSchema } from '../web/paging.ts'
import { COUNCIL_ROLES, ROLES, type Role } from './roles.ts'
import { USER_STATUSES } from './users/rules.ts'

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

export const userSchema = z.object({
  id: z.int(),
  email: z.string(),
  role: z.enum(ROLES),
  providerOrganisationId: z.int().nullable(),
  status: z.enum(USER_STATUSES).describe('invited: no password set yet; disabled: cannot sign in'),
  twoFactorEnabled: z
    .boolean()
    .describe('Whether they sign in with a code from an authenticator app as well as their password'),
  createdAt: z.iso.datetime(),
  lastSignInAt: z.iso.datetime().nullable(),
})

export const usersSchema = pagedSchema('users', userSchema)

export const userParams = z.object({ id: recordId('User ID') })

export const newUserBody = z.object({
  email: z.string(),
  role: z.enum(ROLES),
  cqcProviderId: z.string().optional().describe('For a provider_user: their organisation’s CQC provider ID'),
})

export const userChangeBody = z.object({
  role: z.enum(COUNCIL_ROLES as [Role, ...Role[]]).optional(),
  email: z.string().optional(),
})

/** A CSV file of users, sent as the whole body (text/csv). */
export const userCsvBody = z
  .string()
  .describe('The CSV file: a first line naming the columns email,role,cqc_provider_id, then one user a line')

/** The same file, as the field `file` of multipart/form-data. */
export const userCsvUpload = z.object({
  file: z.string().meta({ format: 'binary' }).describe('The CSV file of users'),
})

export const userImportSchema = z
  .object({
    added: z.array(z.object({ id: z.int(), email: z.string(), role: z.enum(ROLES) })),
  })
  .describe('Every user of the file was added and sent an invitation')
