import type { Role } from '../accounts/roles.ts'

/** One thing a role can do: a navigation item and a line on that role's home page. */
export interface Capability {
  href: string
  label: string
  description: string
  roles: readonly Role[]
}

// Add a line when a page is built, and never before: the home page promises only what exists.
// Each domain lists its own pages in its module (src/modules.ts gathers them, in the order shown).

export interface Navigation {
  /** The lines on a role's home page. */
  capabilitiesFor(role: Role): Capability[]
  /** The service navigation of a page, with the section it is in marked. */
  navigationFor(
    role: Role | undefined,
    currentPath: string,
  ): { href: string; text: string; current: boolean; active?: boolean }[]
}

export function createNavigation(capabilities: readonly Capability[]): Navigation {
  const capabilitiesFor = (role: Role) => capabilities.filter((c) => c.roles.includes(role))
  return {
    capabilitiesFor,
    navigationFor(role, currentPath) {
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
    },
  }
}
