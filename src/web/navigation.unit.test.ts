import { describe, expect, it } from 'vitest'
import { ROLES } from '../accounts/roles.ts'
import { moduleCapabilities } from '../modules.ts'
import { type Capability, createNavigation, SECTIONS } from './navigation.ts'

const { capabilitiesFor, navigationFor, sectionFor, sectionRoles } = createNavigation(moduleCapabilities())

describe('navigation', () => {
  it('offers every role a home page and something to do', () => {
    for (const role of ROLES) expect(capabilitiesFor(role).length, role).toBeGreaterThan(0)
  })

  it('gives no role more than 7 items, and reaches every page a role has from its navigation', () => {
    for (const role of ROLES) {
      const items = navigationFor(role, '/')
      expect(items.length, role).toBeLessThanOrEqual(7)
      const hrefs = new Set(items.map((i) => i.href))
      for (const page of capabilitiesFor(role)) {
        const reached = hrefs.has(page.href) || (page.section && hrefs.has(SECTIONS[page.section].href))
        expect(reached, `${role} reaches ${page.href}`).toBeTruthy()
      }
    }
  })

  it('groups a section’s pages under one item, and shows a section of one page as that page', () => {
    const pages: Capability[] = [
      { href: '/requests', label: 'Requests', description: '', roles: ['broker', 'commissioner'] },
      { href: '/insights', label: 'Insights', description: '', roles: ['broker'], section: 'market' },
      {
        href: '/events',
        label: 'Events',
        description: '',
        roles: ['broker', 'commissioner'],
        section: 'market',
      },
    ]
    const navigation = createNavigation(pages)
    expect(navigation.navigationFor('broker', '/events/3').map((i) => [i.text, i.href, i.active])).toEqual([
      ['Home', '/', undefined],
      ['Requests', '/requests', false],
      ['Market', '/sections/market', true],
    ])
    expect(navigation.navigationFor('commissioner', '/').map((i) => i.href)).toEqual([
      '/',
      '/requests',
      '/events',
    ])
    expect(navigation.sectionFor('broker', 'market').map((p) => p.href)).toEqual(['/insights', '/events'])
    expect(navigation.sectionRoles('market').sort()).toEqual(['broker', 'commissioner'])
  })

  it('marks only the deepest page containing the one shown', () => {
    const items = navigationFor('broker', '/icl/export')
    expect(items.filter((i) => i.active).map((i) => i.href)).toEqual(['/icl'])
    const own = navigationFor('provider_user', '/provider/locations/5')
    expect(own.filter((i) => i.active).map((i) => i.href)).toEqual([SECTIONS.organisation.href])
  })

  it('lets only the roles with a page in a section open its landing page', () => {
    expect(sectionRoles('organisation')).toEqual(['provider_user'])
    expect(sectionFor('provider_user', 'market')).toEqual([])
  })

  it('shows nothing to someone signed out', () => {
    expect(navigationFor(undefined, '/')).toEqual([])
  })
})
