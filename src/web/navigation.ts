import type { Role } from '../accounts/roles.ts'

/**
 * The groups of pages that share one item in the service navigation, each with a landing page
 * listing them. Pages used every day stand on their own (a capability with no section).
 */
export const SECTIONS = {
  providers: {
    href: '/sections/providers',
    label: 'Providers',
    description: 'The provider register, restrictions, frameworks and vacancies.',
  },
  market: {
    href: '/sections/market',
    label: 'Market',
    description:
      'How the care market is doing: insights, events, sufficiency and the Market Position Statement.',
  },
  admin: {
    href: '/sections/admin',
    label: 'Administration',
    description: 'Users, settings, integrations and the records kept.',
  },
  organisation: {
    href: '/provider/sections/organisation',
    label: 'Organisation',
    description: 'Your organisation, your profile, frameworks and API tokens.',
  },
} as const

export type SectionId = keyof typeof SECTIONS

/** One thing a role can do: a navigation item and a line on that role's home page. */
export interface Capability {
  href: string
  label: string
  description: string
  roles: readonly Role[]
  /** The group it is reached through; without one it has its own navigation item. */
  section?: SectionId
}

// Add a line when a page is built, and never before: the home page promises only what exists.
// Each domain lists its own pages in its module (src/modules.ts gathers them, in the order shown).

interface NavigationItem {
  href: string
  text: string
  current: boolean
  active?: boolean
}

export interface Navigation {
  /** The lines on a role's home page. */
  capabilitiesFor(role: Role): Capability[]
  /** A section's pages for a role. */
  sectionFor(role: Role, id: SectionId): Capability[]
  /** The roles with a page in a section: those who may open its landing page. */
  sectionRoles(id: SectionId): Role[]
  /** The service navigation of a page, with the item it is under marked. */
  navigationFor(role: Role | undefined, currentPath: string): NavigationItem[]
}

export function createNavigation(capabilities: readonly Capability[]): Navigation {
  const capabilitiesFor = (role: Role) => capabilities.filter((c) => c.roles.includes(role))
  return {
    capabilitiesFor,
    sectionFor: (role, id) => capabilitiesFor(role).filter((c) => c.section === id),
    sectionRoles: (id) => [...new Set(capabilities.filter((c) => c.section === id).flatMap((c) => c.roles))],
    navigationFor(role, currentPath) {
      if (!role) return []
      const path = currentPath.split('?')[0] ?? currentPath
      const mine = capabilitiesFor(role)
      // Only the deepest page containing this one counts: /provider/frameworks is not also /provider.
      const within = mine
        .filter((c) => path === c.href || path.startsWith(`${c.href}/`))
        .sort((a, b) => b.href.length - a.href.length)[0]
      const item = (capability: Capability): NavigationItem => ({
        href: capability.href,
        text: capability.label,
        current: path === capability.href,
        active: capability === within && path !== capability.href,
      })
      // The pages used every day first, then the sections, in the order SECTIONS gives them.
      const items: NavigationItem[] = [
        { href: '/', text: 'Home', current: path === '/' },
        ...mine.filter((c) => !c.section).map(item),
      ]
      for (const section of Object.keys(SECTIONS) as SectionId[]) {
        const pages = mine.filter((c) => c.section === section)
        const [only] = pages
        // A section with one page for this role is that page: a landing page would only add a click.
        if (pages.length === 1 && only) items.push(item(only))
        else if (pages.length > 1) {
          const { href } = SECTIONS[section]
          items.push({
            href,
            text: SECTIONS[section].label,
            current: path === href,
            active: within?.section === section,
          })
        }
      }
      return items
    },
  }
}
