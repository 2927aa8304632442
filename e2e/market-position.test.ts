import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

class NarrativeForm extends Layout {
  readonly errorSummary: Locator
  readonly save: Locator
  constructor(page: Page) {
    super(page)
    this.errorSummary = page.getByRole('alert').filter({ hasText: 'There is a problem' })
    this.save = page.getByRole('button', { name: 'Save and publish' })
  }
  section(title: string): Locator {
    return this.page.getByLabel(title)
  }
}

class SectorPage extends Layout {
  readonly keyData: Locator
  readonly csvLink: Locator
  constructor(page: Page) {
    super(page)
    this.keyData = page.getByRole('table', { name: /^Key data on / })
    this.csvLink = page.getByRole('link', { name: 'Download the key data (CSV)' })
  }
}

describe.skipIf(skip)(
  `the Market Position Statement in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('EZM'))

    it('publishes what a commissioner writes on an accessible public page', async () => {
      const { fixture } = session.server
      const commissioner = await session.signedIn(fixture.emails.commissioner, PASSWORD)
      expect(await commissioner.visit('/market-position/older-people-care-homes/edit')).toBe(200)
      const form = new NarrativeForm(commissioner.page)
      await expectAccessible(commissioner)

      await form.section('Supply and demand').fill('x'.repeat(10_001))
      await submitForm(commissioner, form.save)
      await form.errorSummary.waitFor()
      expect(await form.errorSummary.textContent()).toContain('10,000 characters or fewer')
      await expectAccessible(commissioner)

      await form.section('Supply and demand').fill('## Demand\n\nMore people are choosing to stay at home.')
      await form.section('Messages to providers').fill('- Read [the tender pack](https://example.org/pack)')
      await submitForm(commissioner, form.save)
      expect(commissioner.path).toBe('/market-position/older-people-care-homes/edit?saved=1')
      await expectAccessible(commissioner)

      const visitor = await session.open()
      const base = `/councils/${fixture.code}/market-position`
      expect(await visitor.visit(base)).toBe(200)
      await expectAccessible(visitor)
      expect(await visitor.visit(`${base}/older-people-care-homes`)).toBe(200)
      const sector = new SectorPage(visitor.page)
      expect(await sector.heading.textContent()).toContain('Care homes for older people')
      expect(await sector.keyData.textContent()).toContain('Residential care homes')
      expect(await visitor.page.getByRole('heading', { name: 'Demand', level: 3 }).count()).toBe(1)
      expect(await visitor.page.getByRole('link', { name: 'the tender pack' }).getAttribute('href')).toBe(
        'https://example.org/pack',
      )
      expect(await sector.csvLink.getAttribute('href')).toBe(`${base}/older-people-care-homes/key-data.csv`)
      await expectAccessible(visitor)
      expect(visitor.cspViolations).toEqual([])
      expect(visitor.scriptErrors).toEqual([])
    })
  },
)
