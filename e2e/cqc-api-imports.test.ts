import { describe, expect, it } from 'vitest'
import { cqcImports } from '../src/providers/schema.ts'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, Layout } from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

describe.skipIf(skip)(
  `imports from CQC’s API in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('ECA'))

    it('a commissioner sees API imports in the list, and each one’s report: completed, running and stopped', async () => {
      const { database, fixture } = session.server
      const api = {
        councilId: fixture.councilId,
        source: 'api',
        fileName: 'CQC API changes',
        format: 'api-json',
        localAuthority: 'ECA',
        changesFrom: new Date('2026-11-01T00:00:00Z'),
        changesTo: new Date('2026-12-07T06:00:00Z'),
        startedBy: 'scheduler',
      }
      const rows = await database.db
        .insert(cqcImports)
        .values([
          {
            ...api,
            status: 'completed',
            added: 8,
            unchanged: 2,
            rejected: [
              {
                line: 12,
                locationId: '1-7999999999',
                reason: 'CQC’s API answered with something that is not JSON',
              },
            ],
            finishedAt: new Date('2026-12-07T06:05:00Z'),
          },
          { ...api, status: 'running', added: 4 },
          {
            ...api,
            status: 'failed',
            added: 4,
            error:
              'CQC’s API did not answer location 1-5000000002 after 5 tries; the last answer was HTTP 500. ' +
              'Pages 1 to 1 of CQC’s changes were saved; the next run carries on from page 2.',
            finishedAt: new Date('2026-12-07T06:10:00Z'),
          },
        ])
        .returning({ id: cqcImports.id })
      const tab = await session.signedIn(fixture.emails.commissioner, PASSWORD)
      const page = new Layout(tab.page)
      expect(await tab.visit('/register/imports')).toBe(200)
      expect(await tab.page.content()).toContain(
        'API import: changes from 1 November 2026 at 00:00 to 7 December 2026 at 06:00',
      )
      await expectAccessible(tab)

      const [completed, running, failed] = rows
      expect(await tab.visit(`/register/import/${completed?.id}`)).toBe(200)
      expect(await page.heading.textContent()).toContain('Import complete')
      expect(await tab.page.getByRole('table', { name: 'Rejected locations' }).textContent()).toContain(
        '1-7999999999',
      )
      await expectAccessible(tab)

      expect(await tab.visit(`/register/import/${running?.id}`)).toBe(200)
      expect(await page.heading.textContent()).toContain('Importing CQC’s changes')
      await expectAccessible(tab)

      expect(await tab.visit(`/register/import/${failed?.id}`)).toBe(200)
      expect(await tab.page.content()).toContain('the next run carries on from page 2')
      await expectAccessible(tab)
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })
  },
)
