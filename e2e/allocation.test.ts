import { describe, expect, it } from 'vitest'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm } from './pages.ts'
import { startDemoServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

describe.skipIf(skip)(
  `the allocation page in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    // The demo council with two weeks of brokerage: requests still waiting to be placed.
    const session = browserSession(() =>
      startDemoServer({ startDaysAgo: 14, weeks: 2, seed: 7, volume: 0.25, snapshots: false }),
    )

    it('shows a broker the proposal beside first come, best score, and refuses an empty confirmation', async () => {
      const broker = await session.signedIn(session.server.emailOf('broker'), PASSWORD)
      const page = new Layout(broker.page)
      expect(await broker.visit('/allocation')).toBe(200)
      expect(await page.heading.textContent()).toBe('Allocation')
      const figures = broker.page.getByRole('table', { name: 'Proposal and first come, best score' })
      expect(await figures.isVisible()).toBe(true)
      await expectAccessible(broker)

      const award = broker.page.getByRole('button', { name: 'Award the chosen placements' })
      if ((await award.count()) > 0) {
        await submitForm(broker, award)
        const problem = broker.page.getByRole('alert').filter({ hasText: 'There is a problem' })
        expect(await problem.textContent()).toContain('Choose at least one placement to confirm')
        await expectAccessible(broker)
      }
      // A bad list of requests is a 400 with the reason, not a failure.
      expect(await broker.visit('/allocation?requests=one,two')).toBe(400)
    })
  },
)
