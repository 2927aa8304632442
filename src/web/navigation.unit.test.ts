import { describe, expect, it } from 'vitest'
import { ROLES } from '../accounts/roles.ts'
import { moduleCapabilities } from '../modules.ts'
import { createNavigation } from './navigation.ts'

const { capabilitiesFor, navigationFor } = createNavigation(moduleCapabilities())

describe('navigation', () => {
  it('offers every role a home page and something to do', () => {
    for (const role of ROLES) expect(capabilitiesFor(role).length, role).toBeGreaterThan(0)
  })

  it('marks only the deepest section containing the page', () => {
    const items = navigationFor('provider_user', '/provider/frameworks/3/apply')
    const marked = items.filter((i) => i.current || ('active' in i && i.active)).map((i) => i.href)
    expect(marked).toEqual(['/provider/frameworks'])
    const own = navigationFor('provider_user', '/provider/locations/5')
    expect(own.filter((i) => 'active' in i && i.active).map((i) => i.href)).toEqual(['/provider'])
  })

  it('shows nothing to someone signed out', () => {
    expect(navigationFor(undefined, '/')).toEqual([])
  })
})
