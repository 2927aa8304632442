import { describe, expect, it } from 'vitest'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

describe.skipIf(skip)(
  `webhook pages in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('EWH'))

    it('a council admin adds a webhook, is told what is wrong first, sees the secret once, then its log', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.council_admin, PASSWORD)
      const page = new Layout(tab.page)
      expect(await tab.visit('/admin/webhooks')).toBe(200)
      await expectAccessible(tab)

      await submitForm(tab, tab.page.getByRole('button', { name: 'Add a webhook' }))
      expect(tab.path).toBe('/admin/webhooks/new')
      await expectAccessible(tab)

      // A private address is refused, and the page says why, beside the field and in the summary.
      await tab.page.getByLabel('URL').fill('https://10.0.0.8/hooks')
      await tab.page.getByLabel('Request published to providers').check()
      await submitForm(tab, tab.page.getByRole('button', { name: 'Add webhook' }))
      const summary = tab.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      await summary.waitFor()
      expect(await summary.textContent()).toMatch(/private|internal|address/i)
      await expectAccessible(tab)

      await tab.page.getByLabel('URL').fill('https://case-system.example.org/caremarket')
      await submitForm(tab, tab.page.getByRole('button', { name: 'Add webhook' }))
      expect(await page.heading.textContent()).toContain('Webhook added')
      const secret = (await tab.page.locator('#secret').textContent())?.trim() ?? ''
      expect(secret.length).toBeGreaterThanOrEqual(24)
      await expectAccessible(tab)

      await submitForm(tab, tab.page.getByRole('link', { name: 'Go to the webhook' }))
      expect(tab.path).toMatch(/^\/admin\/webhooks\/\d+$/)
      // Shown once: the webhook's own page never shows the secret again.
      expect(await tab.page.content()).not.toContain(secret)
      await expectAccessible(tab)
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })
  },
)
