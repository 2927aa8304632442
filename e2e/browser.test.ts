import { describe, expect, it } from 'vitest'
import { ROLE_LABELS, ROLES, type Role } from '../src/accounts/roles.ts'
import { addUser, createCouncil } from '../src/accounts/service.ts'
import { PASSWORD } from '../test/helpers.ts'
import {
  AddUserPage,
  browserSession,
  CHROMIUM_PATH,
  expectAccessible,
  HomePage,
  haveChromium,
  Layout,
  ListPage,
  SignInPage,
  submitForm,
  type Tab,
} from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// On a laptop without Chromium the suite is skipped; in CI a missing browser must not pass silently.
const skip = !haveChromium && !inCi
if (skip) console.warn(`Skipping browser tests: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium).`)

describe.skipIf(skip)(`pages in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`, () => {
  const session = browserSession(() => startServer())

  /** Every tab's page must run its scripts: a missing nonce only shows as a console error. */
  async function closeTab(tab: Tab): Promise<void> {
    expect(tab.cspViolations, 'Content-Security-Policy violations').toEqual([])
    expect(tab.scriptErrors, 'uncaught script errors').toEqual([])
    await tab.close()
  }

  function emailOf(role: Role): string {
    const { fixture } = session.server
    return role === 'provider_user' ? fixture.emails.providerA : fixture.emails[role]
  }

  const signedIn = (role: Role) => session.signedIn(emailOf(role), PASSWORD)

  it.each(ROLES)('%s: signs in, reaches every page offered, and signs out', async (role) => {
    const tab = await session.open()
    const signIn = new SignInPage(tab.page)
    expect(await signIn.open(tab)).toBe(200)
    // GOV.UK Frontend adds this button, so its presence shows the nonce let the page's module script run.
    await signIn.showPassword.waitFor()
    await expectAccessible(tab)
    await signIn.signIn(emailOf(role), PASSWORD)

    const home = new HomePage(tab.page)
    expect(tab.path).toBe('/')
    expect(await home.caption.textContent()).toContain(ROLE_LABELS[role])
    const expectedHeading =
      role === 'provider_user' ? `${session.server.fixture.code} Care A Ltd` : session.server.councilName
    expect((await home.heading.textContent())?.trim()).toBe(expectedHeading)
    expect((await home.headerHomeLink.textContent())?.trim()).toBe(session.server.councilName)
    await expectAccessible(tab)

    const offered = await home.capabilityHrefs()
    const navigation = await home.navigationHrefs()
    expect(offered.length, 'the home page offers something to do').toBeGreaterThan(0)
    // The navigation is grouped, at most 7 items; with its sections' landing pages it reaches
    // every page the home page offers.
    // "Notifications" (council staff) and "Your account" sit beside Sign out at the end, apart from the items.
    const utilities = ['/notifications', '/account']
    expect(navigation.filter((href) => !utilities.includes(href)).length).toBeLessThanOrEqual(7)
    const reachable = new Set(navigation)

    const visited = new Set(['/'])
    let detailChecked = false
    for (const href of [...navigation, ...offered]) {
      if (visited.has(href)) continue
      visited.add(href)
      expect(await tab.visit(href), `status of ${href}`).toBe(200)
      const page = new Layout(tab.page)
      expect(await page.heading.count(), `one h1 on ${href}`).toBe(1)
      await expectAccessible(tab)
      if (/^(\/provider)?\/sections\//.test(href))
        for (const link of await tab.page
          .locator('main .app-capability-list a')
          .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? '')))
          reachable.add(link)

      // A list's rows lead to detail pages, which the links above never reach.
      const list = new ListPage(tab.page)
      if (!detailChecked && (await list.rowLinks.count()) > 0) {
        const listPath = new URL(tab.page.url()).pathname
        const name = (await list.rowLinks.first().textContent())?.trim()
        await Promise.all([
          tab.page.waitForURL((url) => url.pathname !== listPath),
          list.rowLinks.first().click(),
        ])
        expect((await list.heading.textContent())?.trim()).toBe(name)
        await expectAccessible(tab)
        detailChecked = true
      }
    }
    expect(detailChecked, 'a detail page was reached from a list').toBe(true)
    expect([...reachable]).toEqual(expect.arrayContaining(offered))

    await new Layout(tab.page).signOut()
    expect(await signIn.signedOutBanner.textContent()).toContain('You have signed out')
    await expectAccessible(tab)
    await closeTab(tab)
  })

  it('shows the API reference as an accessible page, from the same description as /openapi.json', async () => {
    const tab = await session.open()
    expect(await tab.visit('/docs')).toBe(200)
    const document = (await (await tab.context.request.get('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>
    }
    const operations = Object.values(document.paths).flatMap((item) => Object.keys(item))
    expect(await tab.page.locator('.app-api-operation').count()).toBe(operations.length)
    await tab.page.getByRole('link', { name: 'Requests', exact: true }).click()
    await tab.page.locator('.govuk-details__summary').first().click()
    await expectAccessible(tab)
    await closeTab(tab)
  })

  it('shows sign-in errors accessibly', async () => {
    const tab = await session.open()
    const signIn = new SignInPage(tab.page)
    await signIn.open(tab)
    await submitForm(tab, signIn.submit)
    await signIn.errorSummary.waitFor()
    expect(await signIn.errorSummary.textContent()).toContain('Enter your email address')
    await expectAccessible(tab)

    // A wrong password is a different error path, with the email kept in the form.
    await signIn.email.fill(session.server.fixture.emails.broker)
    await signIn.password.fill('not the password')
    await submitForm(tab, signIn.submit)
    await signIn.errorSummary.filter({ hasText: 'Enter a correct email address and password' }).waitFor()
    expect(await signIn.email.inputValue()).toBe(session.server.fixture.emails.broker)
    await expectAccessible(tab)
    await closeTab(tab)
  })

  it('asks accessibly which council to sign in to when the password opens accounts in two', async () => {
    const { database, fixture } = session.server
    const system = { kind: 'system', label: 'test' } as const
    const second = await createCouncil(database.db, { code: 'EZW', name: 'EZW Test Council' }, system)
    const email = 'two-councils@eze.test'
    for (const councilId of [fixture.councilId, second.id])
      await addUser(database.db, councilId, { email, role: 'broker', password: PASSWORD }, system, {
        passwordCostLog2: 10,
      })
    const tab = await session.open()
    const signIn = new SignInPage(tab.page)
    await signIn.open(tab)
    await signIn.signIn(email, PASSWORD)
    expect(tab.path).toBe('/sign-in/council')
    const choose = tab.page.getByRole('button', { name: 'Continue' })
    await expectAccessible(tab)
    await submitForm(tab, choose)
    await tab.page
      .getByRole('alert')
      .filter({ hasText: 'Select the council you want to sign in to' })
      .waitFor()
    await expectAccessible(tab)
    await tab.page.getByLabel('EZW Test Council').check()
    await submitForm(tab, choose)
    expect(tab.path).toBe('/')
    expect((await new HomePage(tab.page).headerHomeLink.textContent())?.trim()).toBe('EZW Test Council')
    await closeTab(tab)
  })

  it('shows the accessibility statement and a missing page accessibly to anyone', async () => {
    const tab = await session.open()
    expect(await tab.visit('/accessibility')).toBe(200)
    await expectAccessible(tab)
    expect(await tab.visit('/no-such-page')).toBe(404)
    expect(await new Layout(tab.page).heading.textContent()).toContain('Page not found')
    await expectAccessible(tab)
    await closeTab(tab)
  })

  it('shows missing and forbidden pages accessibly to a signed-in user', async () => {
    const tab = await signedIn('social_worker')
    const page = new Layout(tab.page)
    expect(await tab.visit('/admin/users')).toBe(403)
    expect(await page.heading.textContent()).toContain('You do not have permission')
    await expectAccessible(tab)
    expect(await tab.visit('/locations/999999')).toBe(404)
    await expectAccessible(tab)
    await closeTab(tab)
  })

  it('shows the add-user form accessibly, empty and with errors', async () => {
    const tab = await signedIn('council_admin')
    const form = new AddUserPage(tab.page)
    expect(await tab.visit('/admin/users/new')).toBe(200)
    await expectAccessible(tab)

    await submitForm(tab, form.submit)
    await form.errorSummary.waitFor()
    await expectAccessible(tab)

    await form.providerRole.check()
    await form.cqcProviderId.fill('1-000')
    // Waits for the new page: the first attempt's error summary is still there until it loads.
    await submitForm(tab, form.submit)
    await form.errorSummary.waitFor()
    await expectAccessible(tab)
    await closeTab(tab)
  })

  it('signs in without JavaScript', async () => {
    const tab = await session.open({ javaScriptEnabled: false })
    const signIn = new SignInPage(tab.page)
    await signIn.open(tab)
    // Proves scripts really are off: without them the password stays a plain input.
    expect(await signIn.showPassword.count()).toBe(0)
    await signIn.signIn(session.server.fixture.emails.commissioner, PASSWORD)
    const home = new HomePage(tab.page)
    expect(tab.path).toBe('/')
    expect(await home.caption.textContent()).toContain(ROLE_LABELS.commissioner)
    expect(await home.capabilityLinks.count()).toBeGreaterThan(0)
    await home.signOut()
    expect(await signIn.signedOutBanner.textContent()).toContain('You have signed out')
    await closeTab(tab)
  })
})
