import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROLE_LABELS, ROLES, type Role } from '../src/accounts/roles.ts'
import { PASSWORD } from '../test/helpers.ts'
import {
  AddUserPage,
  accessibilityProblems,
  CHROMIUM_PATH,
  HomePage,
  haveChromium,
  Layout,
  ListPage,
  launchChromium,
  SignInPage,
  Tab,
} from './pages.ts'
import { type RunningServer, startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// On a laptop without Chromium the suite is skipped; in CI a missing browser must not pass silently.
const skip = !haveChromium && !inCi
if (skip) console.warn(`Skipping browser tests: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium).`)

const MISSING_CHROMIUM =
  `No Chromium at ${CHROMIUM_PATH}. Install Debian's chromium (apt-get install chromium) ` +
  'or set CHROMIUM_PATH; never download one with playwright install.'

describe.skipIf(skip)(`pages in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`, () => {
  let server: RunningServer
  let browser: Browser
  const tabs: Tab[] = []

  beforeAll(async () => {
    if (!haveChromium) throw new Error(MISSING_CHROMIUM)
    ;[server, browser] = await Promise.all([startServer(), launchChromium()])
  })

  afterAll(async () => {
    // Tabs left open by a failed test would otherwise keep the browser from closing promptly.
    await Promise.allSettled(tabs.map((tab) => tab.close()))
    await browser?.close()
    await server?.close()
  })

  async function openTab(options?: { javaScriptEnabled: boolean }): Promise<Tab> {
    const tab = await Tab.open(browser, server.baseUrl, options)
    tabs.push(tab)
    return tab
  }

  /** Every tab's page must run its scripts: a missing nonce only shows as a console error. */
  async function closeTab(tab: Tab): Promise<void> {
    expect(tab.cspViolations, 'Content-Security-Policy violations').toEqual([])
    expect(tab.scriptErrors, 'uncaught script errors').toEqual([])
    await tab.close()
  }

  /** Soft, so one run reports every inaccessible page rather than just the first. */
  async function expectAccessible(tab: Tab): Promise<void> {
    const problems = await accessibilityProblems(tab.page)
    expect.soft(problems, `axe violations on ${tab.path}`).toEqual([])
  }

  function emailOf(role: Role): string {
    return role === 'provider_user' ? server.fixture.emails.providerA : server.fixture.emails[role]
  }

  async function signedIn(role: Role): Promise<Tab> {
    const tab = await openTab()
    const signIn = new SignInPage(tab.page)
    await signIn.open(tab)
    await signIn.signIn(emailOf(role), PASSWORD)
    return tab
  }

  it.each(ROLES)('%s: signs in, reaches every page offered, and signs out', async (role) => {
    const tab = await openTab()
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
      role === 'provider_user' ? `${server.fixture.code} Care A Ltd` : server.councilName
    expect((await home.heading.textContent())?.trim()).toBe(expectedHeading)
    expect((await home.headerHomeLink.textContent())?.trim()).toBe(server.councilName)
    await expectAccessible(tab)

    const offered = await home.capabilityHrefs()
    const navigation = await home.navigationHrefs()
    expect(offered.length, 'the home page offers something to do').toBeGreaterThan(0)
    // The navigation and the home page are built from the same list; they must not drift apart.
    expect(navigation).toEqual(expect.arrayContaining(offered))

    const visited = new Set(['/'])
    let detailChecked = false
    for (const href of [...offered, ...navigation]) {
      if (visited.has(href)) continue
      visited.add(href)
      expect(await tab.visit(href), `status of ${href}`).toBe(200)
      const page = new Layout(tab.page)
      expect(await page.heading.count(), `one h1 on ${href}`).toBe(1)
      await expectAccessible(tab)

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

    await new Layout(tab.page).signOut()
    expect(await signIn.signedOutBanner.textContent()).toContain('You have signed out')
    await expectAccessible(tab)
    await closeTab(tab)
  })

  it('shows sign-in errors accessibly', async () => {
    const tab = await openTab()
    const signIn = new SignInPage(tab.page)
    await signIn.open(tab)
    await signIn.submit.click()
    await signIn.errorSummary.waitFor()
    expect(await signIn.errorSummary.textContent()).toContain('Enter your email address')
    await expectAccessible(tab)

    // A wrong password is a different error path, with the email kept in the form.
    await signIn.email.fill(server.fixture.emails.broker)
    await signIn.password.fill('not the password')
    await signIn.submit.click()
    await signIn.errorSummary.filter({ hasText: 'Enter a correct email address and password' }).waitFor()
    expect(await signIn.email.inputValue()).toBe(server.fixture.emails.broker)
    await expectAccessible(tab)
    await closeTab(tab)
  })

  it('shows the accessibility statement and a missing page accessibly to anyone', async () => {
    const tab = await openTab()
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

    await form.submit.click()
    await form.errorSummary.waitFor()
    await expectAccessible(tab)

    await form.providerRole.check()
    await form.cqcProviderId.fill('1-000')
    await form.submit.click()
    await form.errorSummary.waitFor()
    await expectAccessible(tab)
    await closeTab(tab)
  })

  it('signs in without JavaScript', async () => {
    const tab = await openTab({ javaScriptEnabled: false })
    const signIn = new SignInPage(tab.page)
    await signIn.open(tab)
    // Proves scripts really are off: without them the password stays a plain input.
    expect(await signIn.showPassword.count()).toBe(0)
    await signIn.signIn(server.fixture.emails.commissioner, PASSWORD)
    const home = new HomePage(tab.page)
    expect(tab.path).toBe('/')
    expect(await home.caption.textContent()).toContain(ROLE_LABELS.commissioner)
    expect(await home.capabilityLinks.count()).toBeGreaterThan(0)
    await home.signOut()
    expect(await signIn.signedOutBanner.textContent()).toContain('You have signed out')
    await closeTab(tab)
  })
})
