import { existsSync } from 'node:fs'
import { AxeBuilder } from '@axe-core/playwright'
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Locator,
  type Page,
} from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'

// Taken from AxeBuilder so the test needs no direct dependency on axe-core.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const haveChromium = existsSync(CHROMIUM_PATH)

const MISSING_CHROMIUM =
  `No Chromium at ${CHROMIUM_PATH}. Install Debian's chromium (apt-get install chromium) ` +
  'or set CHROMIUM_PATH; never download one with playwright install.'

/** The standard the service promises in its accessibility statement: WCAG 2.2 AA. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

function launchChromium(): Promise<Browser> {
  // Debian's own build, so CI and laptops never download a browser; the flags keep it quiet and container-safe.
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  })
}

/** A browser tab that remembers anything the Content-Security-Policy blocked and any uncaught script error. */
export class Tab {
  readonly cspViolations: string[] = []
  readonly scriptErrors: string[] = []

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    page.on('console', (message) => {
      // A blocked inline script only shows up here; the page still renders, so nothing else would notice.
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
        this.cspViolations.push(`${page.url()}: ${message.text()}`)
      }
    })
    page.on('pageerror', (error) => this.scriptErrors.push(`${page.url()}: ${error.message}`))
  }

  static async open(browser: Browser, baseUrl: string, options: BrowserContextOptions = {}): Promise<Tab> {
    const context = await browser.newContext({ baseURL: baseUrl, ...options })
    return new Tab(context, await context.newPage(), baseUrl)
  }

  /** Visits a path and returns the HTTP status, so a page that errors is not mistaken for one that works. */
  async visit(path: string): Promise<number> {
    const response = await this.page.goto(path)
    if (!response) throw new Error(`no response for ${path}`)
    return response.status()
  }

  /** The path and query of the current page, which is how the service's links are written. */
  get path(): string {
    const url = new URL(this.page.url())
    return url.pathname + url.search
  }

  close(): Promise<void> {
    return this.context.close()
  }
}

/**
 * Runs axe on the page as it is now and describes each violation well enough to fix it without
 * rerunning: the rule, what it wants, where to read more, and every offending element.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze()
  return results.violations.map((violation) => {
    const nodes = violation.nodes.map(
      (node) =>
        `    at ${node.target.join(' ')}\n      ${(node.failureSummary ?? '').replace(/\n/g, '\n      ')}`,
    )
    return [
      `${page.url()}: ${violation.id} (${violation.impact}): ${violation.help}`,
      `    ${violation.helpUrl}`,
      ...nodes,
    ].join('\n')
  })
}

export class SignInPage {
  readonly email: Locator
  readonly password: Locator
  readonly showPassword: Locator
  readonly submit: Locator
  readonly errorSummary: Locator
  readonly signedOutBanner: Locator

  constructor(readonly page: Page) {
    this.email = page.getByLabel('Email address')
    // Exact, because the password input's "Show" button is labelled "Show password".
    this.password = page.getByLabel('Password', { exact: true })
    this.showPassword = page.getByRole('button', { name: 'Show password' })
    this.submit = page.getByRole('button', { name: 'Sign in' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
    this.signedOutBanner = page.locator('.govuk-notification-banner--success')
  }

  async open(tab: Tab): Promise<number> {
    return tab.visit('/sign-in')
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.email.fill(email)
    await this.password.fill(password)
    await Promise.all([this.page.waitForURL((url) => url.pathname !== '/sign-in'), this.submit.click()])
  }
}

/** What every signed-in page has: the council in the header, the service navigation and sign out. */
export class Layout {
  readonly headerHomeLink: Locator
  readonly navigation: Locator
  readonly signOutButton: Locator
  readonly heading: Locator

  constructor(readonly page: Page) {
    this.headerHomeLink = page.locator('header .govuk-generic-header').getByRole('link')
    this.navigation = page.getByRole('navigation', { name: 'Menu' })
    this.signOutButton = page.getByRole('button', { name: 'Sign out' })
    this.heading = page.getByRole('heading', { level: 1 })
  }

  async navigationHrefs(): Promise<string[]> {
    return hrefsOf(this.navigation.getByRole('link'))
  }

  async signOut(): Promise<void> {
    await Promise.all([this.page.waitForURL(/\/sign-in\?signedOut=1$/), this.signOutButton.click()])
  }
}

export class HomePage extends Layout {
  readonly caption: Locator
  readonly capabilityLinks: Locator

  constructor(page: Page) {
    super(page)
    this.caption = page.getByRole('main').locator('.govuk-caption-l')
    this.capabilityLinks = page
      .getByRole('heading', { name: 'What you can do', level: 2 })
      .locator('xpath=following-sibling::ul[1]')
      .getByRole('link')
  }

  async capabilityHrefs(): Promise<string[]> {
    return hrefsOf(this.capabilityLinks)
  }
}

/** A list page whose table links each row to its own page, such as the provider register. */
export class ListPage extends Layout {
  readonly rowLinks: Locator

  constructor(page: Page) {
    super(page)
    this.rowLinks = page.getByRole('main').getByRole('table').getByRole('link')
  }
}

export class AddUserPage extends Layout {
  readonly email: Locator
  readonly submit: Locator
  readonly errorSummary: Locator
  readonly providerRole: Locator
  readonly cqcProviderId: Locator

  constructor(page: Page) {
    super(page)
    this.email = page.getByLabel('Email address')
    this.submit = page.getByRole('button', { name: 'Add user' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
    this.providerRole = page.getByRole('radio', { name: 'Provider user' })
    this.cqcProviderId = page.getByLabel('Provider ID (provider users only)')
  }
}

/**
 * A request's "What providers will see": the free text as providers will read it, with anything
 * that looks like an identifier highlighted, and the publish form's box for confirming it was checked.
 */
export class ProviderPreview {
  readonly section: Locator
  readonly highlights: Locator
  readonly identifiersChecked: Locator
  readonly publish: Locator
  readonly errorSummary: Locator

  constructor(readonly page: Page) {
    this.section = page.getByRole('heading', { name: 'What providers will see', level: 2 })
    this.highlights = page.locator('mark.app-identifier:not(.app-identifier--removed)')
    this.identifiersChecked = page.getByRole('checkbox', { name: /^I have checked the highlighted text/ })
    this.publish = page.getByRole('button', { name: 'Publish to providers' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
  }
}

async function hrefsOf(links: Locator): Promise<string[]> {
  const hrefs = await links.evaluateAll((elements) => elements.map((e) => e.getAttribute('href') ?? ''))
  return hrefs.filter(Boolean)
}

/** A new tab, signed in as the given user. */
async function signedInTab(browser: Browser, baseUrl: string, email: string, password: string): Promise<Tab> {
  const tab = await Tab.open(browser, baseUrl)
  const signIn = new SignInPage(tab.page)
  await signIn.open(tab)
  await signIn.signIn(email, password)
  return tab
}

/** Clicks a form's button and waits for the page it leads to. */
export async function submitForm(tab: Tab, button: Locator): Promise<void> {
  // Form posts that fail come back at the same address, so wait for the navigation, not a new URL.
  await Promise.all([tab.page.waitForNavigation(), button.click()])
}

/**
 * One server and one browser for a test file: started before its tests, closed after, with every
 * tab it opened. Must be called inside a describe block.
 */
export function browserSession<S extends { baseUrl: string; close(): Promise<void> }>(
  start: () => Promise<S>,
) {
  let server: S | undefined
  let browser: Browser | undefined
  const tabs: Tab[] = []
  beforeAll(async () => {
    if (!haveChromium) throw new Error(MISSING_CHROMIUM)
    // Settled, not all: if one fails to start, the other is still kept to be closed after.
    const [started, launched] = await Promise.allSettled([start(), launchChromium()])
    if (started.status === 'fulfilled') server = started.value
    if (launched.status === 'fulfilled') browser = launched.value
    for (const result of [started, launched]) if (result.status === 'rejected') throw result.reason
  })
  afterAll(async () => {
    // Tabs left open by a failed test would otherwise keep the browser from closing promptly.
    await Promise.allSettled(tabs.map((tab) => tab.close()))
    await browser?.close()
    await server?.close()
  })
  return {
    get server(): S {
      if (!server) throw new Error('the server has not started')
      return server
    },
    /** A new tab, not signed in, such as for the sign-in page itself or a visit without JavaScript. */
    async open(options?: BrowserContextOptions): Promise<Tab> {
      if (!browser || !server) throw new Error('the browser session has not started')
      const tab = await Tab.open(browser, server.baseUrl, options)
      tabs.push(tab)
      return tab
    },
    async signedIn(email: string, password: string): Promise<Tab> {
      if (!browser || !server) throw new Error('the browser session has not started')
      const tab = await signedInTab(browser, server.baseUrl, email, password)
      tabs.push(tab)
      return tab
    },
  }
}

/** Fails the test (softly, so every page is reported) when axe finds WCAG 2.2 AA violations. */
export async function expectAccessible(tab: Tab): Promise<void> {
  expect.soft(await accessibilityProblems(tab.page), `axe violations on ${tab.path}`).toEqual([])
}

/** A council admin's page for one user: its status and the buttons that change it. */
export class UserPage extends Layout {
  readonly disable: Locator
  readonly enable: Locator
  readonly banner: Locator
  readonly status: Locator

  constructor(page: Page) {
    super(page)
    this.disable = page.getByRole('button', { name: 'Disable user' })
    this.enable = page.getByRole('button', { name: 'Enable user' })
    this.banner = page.locator('.govuk-notification-banner--success')
    this.status = page.locator('.govuk-summary-list').locator('.govuk-tag')
  }
}

/** The page an emailed link opens, to set a new password. */
export class SetPasswordPage extends Layout {
  readonly password: Locator
  readonly confirm: Locator
  readonly submit: Locator
  readonly errorSummary: Locator

  constructor(page: Page) {
    super(page)
    this.password = page.getByLabel('New password', { exact: true })
    this.confirm = page.getByLabel('Type the password again', { exact: true })
    this.submit = page.getByRole('button', { name: 'Set password' })
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
  }
}
