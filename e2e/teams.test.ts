import { describe, expect, it } from 'vitest'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

describe.skipIf(skip)(
  `team and token pages in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('ETM'))

    it('a council admin makes a team, is told what is wrong, puts the social worker in it, and makes a token for them', async () => {
      const { emails } = session.server.fixture
      const tab = await session.signedIn(emails.council_admin, PASSWORD)
      const page = new Layout(tab.page)
      expect(await tab.visit('/admin/teams')).toBe(200)
      await expectAccessible(tab)

      await submitForm(tab, tab.page.getByRole('button', { name: 'Create team' }))
      const summary = tab.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      await summary.waitFor()
      expect(await summary.textContent()).toContain('Enter a name for the team')
      await expectAccessible(tab)

      await tab.page.getByLabel('Team name').fill('Hospital discharge team')
      await submitForm(tab, tab.page.getByRole('button', { name: 'Create team' }))
      expect(tab.path).toMatch(/^\/admin\/teams\/\d+\?created=1$/)
      expect(await page.heading.textContent()).toContain('Hospital discharge team')
      await expectAccessible(tab)

      await tab.page.getByLabel('Email address').fill(emails.social_worker)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Add to team' }))
      expect(await tab.page.content()).toContain(emails.social_worker)
      await expectAccessible(tab)

      expect(await tab.visit('/admin/api-tokens')).toBe(200)
      await tab.page.getByLabel('Name', { exact: true }).fill('Case notes')
      await tab.page.getByLabel('A person').check()
      await tab.page.getByLabel('Email address of the person').fill(emails.social_worker)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Create token' }))
      expect(await tab.page.locator('#new-token').inputValue()).toMatch(/^cm_/)
      await expectAccessible(tab)
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })
  },
)
