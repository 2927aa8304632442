// The rules of a council's user list and of changing its users. Pure, so they are tested alone.
import { z } from 'zod'
import { COUNCIL_ROLES, ROLES, type Role } from '../roles.ts'

/** How a user stands: invited (no password set yet), active, or disabled. Removed users are not listed. */
export const USER_STATUSES = ['active', 'invited', 'disabled'] as const
export type UserStatus = (typeof USER_STATUSES)[number]

export const USER_STATUS_LABELS: Record<UserStatus, string> = {
  active: 'Active',
  invited: 'Invited',
  disabled: 'Disabled',
}

export function userStatus(user: { active: boolean; hasPassword: boolean }): UserStatus {
  if (!user.active) return 'disabled'
  return user.hasPassword ? 'active' : 'invited'
}

/** Filters of the user list, the same for the page, the API and the command line. */
export const userFiltersSchema = z.object({
  teamId: z.coerce
    .number({ message: 'Team must be the number of one of the council’s teams' })
    .int('Team must be the number of one of the council’s teams')
    .min(1, 'Team must be the number of one of the council’s teams')
    .max(2_147_483_647, 'Team must be the number of one of the council’s teams')
    .optional()
    .describe('Only the members of this team'),
  role: z.enum(ROLES, { message: `Role must be one of ${ROLES.join(', ')}` }).optional(),
  status: z.enum(USER_STATUSES, { message: `Status must be one of ${USER_STATUSES.join(', ')}` }).optional(),
  signedInWithinDays: z.coerce
    .number({ message: 'Signed in within must be a number of days' })
    .int('Signed in within must be a whole number of days')
    .min(1, 'Signed in within must be 1 day or more')
    .max(3660, 'Signed in within must be 3660 days or fewer')
    .optional(),
  notSignedInForDays: z.coerce
    .number({ message: 'Not signed in for must be a number of days' })
    .int('Not signed in for must be a whole number of days')
    .min(1, 'Not signed in for must be 1 day or more')
    .max(3660, 'Not signed in for must be 3660 days or fewer')
    .optional(),
})
export type UserFilters = z.output<typeof userFiltersSchema>

export const changeRoleSchema = z.object({
  role: z.enum(COUNCIL_ROLES as [Role, ...Role[]], {
    message: `Choose a council role: one of ${COUNCIL_ROLES.join(', ')}`,
  }),
})

export const changeEmailSchema = z.object({
  email: z
    .string()
    .trim()
    .min(1, 'Enter an email address')
    .max(254, 'Email address must be 254 characters or fewer')
    .email('Enter an email address in the correct format, like name@example.org')
    .transform((v) => v.toLowerCase()),
})

export const LAST_ADMIN = {
  disable:
    'You cannot disable the last active council administrator. Make someone else a council administrator first',
  remove:
    'You cannot remove the last active council administrator. Make someone else a council administrator first',
  demote:
    'You cannot change the role of the last active council administrator. Make someone else a council administrator first',
} as const

/**
 * Whether taking away this user's administration would leave the council with no active council
 * administrator, given the active administrators there are now.
 */
export function leavesNoAdmin(activeAdminIds: readonly number[], userId: number): boolean {
  return activeAdminIds.includes(userId) && activeAdminIds.length <= 1
}

export const PROVIDER_ROLE_FIXED =
  'A provider user’s role cannot be changed. Remove them and add them again with the new role'
