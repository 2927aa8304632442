import type { Role } from '../accounts/roles.ts'
import { offersCapabilities } from '../brokerage/offers/routes.ts'
import { requestsCapabilities } from '../brokerage/requests/routes.ts'
import { settingsCapabilities } from '../brokerage/settings/routes.ts'
import { marketEventsCapabilities } from '../market/events/routes.ts'
import { marketCapabilities } from '../market/icl/routes.ts'
import { insightsCapabilities } from '../market/insights/routes.ts'
import { mpsCapabilities } from '../market/mps/routes.ts'
import { sufficiencyCapabilities } from '../market/sufficiency/routes.ts'
import { notificationsCapabilities } from '../notifications/routes.ts'
import { capacityCapabilities } from '../providers/capacity/routes.ts'
import { cqcImportCapabilities } from '../providers/cqc/routes.ts'
import { frameworksCapabilities } from '../providers/frameworks/routes.ts'
import { profileCapabilities } from '../providers/profile/routes.ts'
import { qualityCapabilities } from '../providers/quality/routes.ts'

/** One thing a role can do: a navigation item and a line on that role's home page. */
export interface Capability {
  href: string
  label: string
  description: string
  roles: readonly Role[]
}

// Add a line when a page is built, and never before: the home page promises only what exists.
// Each domain lists its own pages beside its routes.
const foundationCapabilities: Capability[] = [
  {
    href: '/locations',
    label: 'Provider register',
    description:
      'Look up the care homes and home care services registered in your council’s area, with their ratings.',
    roles: ['social_worker', 'broker', 'commissioner', 'council_admin'],
  },
  {
    href: '/provider',
    label: 'Your organisation',
    description: 'See your organisation’s locations as the council’s register records them.',
    roles: ['provider_user'],
  },
  {
    href: '/admin/users',
    label: 'Users',
    description: 'Add people to Caremarket and see who has access.',
    roles: ['council_admin'],
  },
  {
    href: '/admin/api-tokens',
    label: 'API tokens',
    description: 'Let council systems use the Caremarket API.',
    roles: ['council_admin'],
  },
  {
    href: '/provider/api-tokens',
    label: 'API tokens',
    description: 'Let your own systems update Caremarket through its API.',
    roles: ['provider_user'],
  },
  {
    href: '/admin/audit',
    label: 'Audit log',
    description: 'See who did what, and when.',
    roles: ['council_admin'],
  },
]

const CAPABILITIES: readonly Capability[] = [
  ...foundationCapabilities,
  ...cqcImportCapabilities,
  ...qualityCapabilities,
  ...frameworksCapabilities,
  ...capacityCapabilities,
  ...profileCapabilities,
  ...notificationsCapabilities,
  ...requestsCapabilities,
  ...settingsCapabilities,
  ...offersCapabilities,
  ...marketCapabilities,
  ...mpsCapabilities,
  ...insightsCapabilities,
  ...marketEventsCapabilities,
  ...sufficiencyCapabilities,
]

export function capabilitiesFor(role: Role): Capability[] {
  return CAPABILITIES.filter((c) => c.roles.includes(role))
}

export function navigationFor(role: Role | undefined, currentPath: string) {
  if (!role) return []
  const path = currentPath.split('?')[0] ?? currentPath
  const mine = capabilitiesFor(role)
  // Only the deepest section containing the page is active: /provider/frameworks is not also /provider.
  const section = mine
    .filter((c) => path === c.href || path.startsWith(`${c.href}/`))
    .sort((a, b) => b.href.length - a.href.length)[0]
  return [
    { href: '/', text: 'Home', current: path === '/' },
    ...mine.map((c) => ({
      href: c.href,
      text: c.label,
      current: path === c.href,
      active: c === section && path !== c.href,
    })),
  ]
}
