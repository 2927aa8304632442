import { describe, expect, it } from 'vitest'
import { codeAt } from '../src/accounts/two-factor/rules.ts'
import { PASSWORD } from '../test/helpers.ts'
import {
  browserSession,
  expectAccessible,
  haveChromium,
  Layout,
  SignInPage,
  submitForm,
  type Tab,
} from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

/** On the set-up page: checks it, reads the key as someone typing it into their app would, and turns it on. */
async function setUpAuthenticator(tab: Tab): Promise<string> {
  const qr = tab.page.getByRole('img', { name: /QR code for adding Caremarket/ })
  await qr.waitFor()
  // The QR code is drawn: a real SVG image, not a broken one.
  expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true)
  await expectAccessible(tab)
  const secret = ((await tab.page.locator('#secret').textContent()) ?? '').replace(/\s/g, '')
  expect(secret).toMatch(/^[A-Z2-7]{32}$/)

  const code = tab.page.getByLabel('Enter the 6-digit code the app shows')
  await code.fill('12345')
  await submitForm(tab, tab.page.getByRole('button', { name: 'Turn on two-factor authentication' }))
  const summary = tab.page.getByRole('alert').filter({ hasText: 'There is a problem' })
  expect(await summary.textContent()).toContain('Enter the 6-digit code from your authenticator app')
  await expectAccessible(tab)

  await code.fill(codeAt(secret, Date.now()))
  await submitForm(tab, tab.page.getByRole('button', { name: 'Turn on two-factor authentication' }))
  expect(await new Layout(tab.page).heading.textContent()).toContain('Save your recovery codes')
  expect(await tab.page.locator('#recovery-codes li').count()).toBe(10)
  await expectAccessible(tab)
  return secret
}

describe.skipIf(skip)(
  `two-factor sign-in in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('ETF'))

    it('a provider user turns it on, then signs in with a code after the password', async () => {
      const email = session.server.fixture.emails.providerA
      const tab = await session.signedIn(email, PASSWORD)
      expect(await tab.visit('/account/two-factor')).toBe(200)
      await expectAccessible(tab)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Set up two-factor authentication' }))
      expect(tab.path).toBe('/account/two-factor/set-up')
      const secret = await setUpAuthenticator(tab)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Continue' }))
      expect(tab.path).toBe('/account/two-factor')
      await new Layout(tab.page).signOut()

      const signIn = new SignInPage(tab.page)
      await signIn.signIn(email, PASSWORD)
      expect(tab.path).toBe('/sign-in/two-factor')
      await expectAccessible(tab)
      const code = tab.page.getByLabel('Enter the code from your authenticator app')
      await code.fill('000000' === codeAt(secret, Date.now()) ? '111111' : '000000')
      await submitForm(tab, tab.page.getByRole('button', { name: 'Continue' }))
      const summary = tab.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      expect(await summary.textContent()).toContain('The code is not correct')
      await expectAccessible(tab)
      await code.fill(codeAt(secret, Date.now() + 30_000))
      await submitForm(tab, tab.page.getByRole('button', { name: 'Continue' }))
      expect(tab.path).toBe('/')
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })

    it('a provider user who turned it on turns it off again with a current code', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.providerB, PASSWORD)
      expect(await tab.visit('/account/two-factor/set-up')).toBe(200)
      const secret = ((await tab.page.locator('#secret').textContent()) ?? '').replace(/\s/g, '')
      const setUpAt = Date.now()
      await tab.page.getByLabel('Enter the 6-digit code the app shows').fill(codeAt(secret, setUpAt))
      await submitForm(tab, tab.page.getByRole('button', { name: 'Turn on two-factor authentication' }))
      await submitForm(tab, tab.page.getByRole('button', { name: 'Continue' }))
      expect(tab.path).toBe('/account/two-factor')

      await submitForm(tab, tab.page.getByRole('button', { name: 'Turn off two-factor authentication' }))
      expect(tab.path).toBe('/account/two-factor/turn-off')
      await expectAccessible(tab)
      const code = tab.page.getByLabel('Enter the 6-digit code your authenticator app shows now')
      // The code that turned it on has been used.
      await code.fill(codeAt(secret, setUpAt))
      await submitForm(tab, tab.page.getByRole('button', { name: 'Turn off two-factor authentication' }))
      const summary = tab.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      expect(await summary.textContent()).toContain('That code has already been used')
      await expectAccessible(tab)
      await code.fill(codeAt(secret, setUpAt + 30_000))
      await submitForm(tab, tab.page.getByRole('button', { name: 'Turn off two-factor authentication' }))
      expect(tab.path).toBe('/account/two-factor?done=turned-off')
      expect(await tab.page.locator('.govuk-notification-banner--success').textContent()).toContain(
        'Two-factor authentication is off',
      )
      await expectAccessible(tab)
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })

    it('once the council requires it, a broker without an authenticator sets one up straight after the password', async () => {
      const admin = await session.signedIn(session.server.fixture.emails.council_admin, PASSWORD)
      expect(await admin.visit('/admin/two-factor')).toBe(200)
      await expectAccessible(admin)
      await submitForm(admin, admin.page.getByRole('button', { name: 'Save' }))
      expect(
        await admin.page.getByRole('alert').filter({ hasText: 'There is a problem' }).textContent(),
      ).toContain('Select whether council staff must use two-factor authentication')
      await expectAccessible(admin)
      await admin.page.getByLabel('Yes, require it').check()
      await submitForm(admin, admin.page.getByRole('button', { name: 'Save' }))
      expect(admin.path).toBe('/admin/two-factor?saved=1')
      await expectAccessible(admin)

      const tab = await session.open()
      const signIn = new SignInPage(tab.page)
      await signIn.open(tab)
      await signIn.signIn(session.server.fixture.emails.broker, PASSWORD)
      expect(tab.path).toBe('/sign-in/two-factor/set-up')
      await setUpAuthenticator(tab)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Continue' }))
      expect(tab.path).toBe('/')
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })
  },
)
