export const ROLES = ['social_worker', 'broker', 'commissioner', 'council_admin', 'provider_user'] as const
export type Role = (typeof ROLES)[number]

export const COUNCIL_ROLES: readonly Role[] = ['social_worker', 'broker', 'commissioner', 'council_admin']

export const ROLE_LABELS: Record<Role, string> = {
  social_worker: 'Social worker',
  broker: 'Broker',
  commissioner: 'Commissioner',
  council_admin: 'Council administrator',
  provider_user: 'Provider user',
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value)
}
