import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { recordMarketEvent } from '../src/market/events/service.ts'
import { londonDate } from '../src/shared/dates.ts'
import { PASSWORD } from '../test/helpers.ts'
import { browserSession, expectAccessible, haveChromium, submitForm } from './pages.ts'
import { startDemoServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

let eventId = 0

/** The demo council after a week of brokerage, with the closure today of the home with most people placed. */
const startFailureServer = () =>
  startDemoServer({
    startDaysAgo: 14,
    weeks: 1,
    seed: 5,
    volume: 0.1,
    prepare: async (db) => {
      const result = await db.execute(sql`
        select council_id, location_id, count(*)::int as people from packages
        where end_date is null
        group by council_id, location_id order by people desc, location_id limit 1`)
      const [busiest] = (result as unknown as { rows: { council_id: number; location_id: number }[] }).rows
      if (!busiest) throw new Error('the simulated week placed nobody')
      const event = await recordMarketEvent(
        db,
        busiest.council_id,
        {
          kind: 'closure',
          locationId: busiest.location_id,
          occurredOn: londonDate(new Date()),
          peopleAffected: 1,
        },
        { kind: 'system', label: 'e2e' },
      )
      eventId = event.id
    },
  })

describe.skipIf(skip)(
  `the failure response in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startFailureServer())

    it('lets a commissioner open the response and a broker re-source everyone and track them', async () => {
      const commissioner = await session.signedIn(session.server.emailOf('commissioner'), PASSWORD)
      expect(await commissioner.visit(`/market-events/${eventId}`)).toBe(200)
      await Promise.all([
        commissioner.page.waitForURL(/\/market-events\/\d+\/response$/),
        commissioner.page.getByRole('link', { name: 'The response to this failure' }).click(),
      ])
      await expectAccessible(commissioner)

      // A last day that is no date: the error leads to the day box.
      const group = commissioner.page.getByRole('group', { name: 'What is the last day of care?' })
      await group.getByLabel('Day').fill('31')
      await group.getByLabel('Month').fill('2')
      await group.getByLabel('Year').fill('2027')
      await submitForm(commissioner, commissioner.page.getByRole('button', { name: 'Open the response' }))
      await commissioner.page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor()
      await expectAccessible(commissioner)

      // Empty: the day of the closure, today.
      for (const box of ['Day', 'Month', 'Year']) await group.getByLabel(box).fill('')
      await submitForm(commissioner, commissioner.page.getByRole('button', { name: 'Open the response' }))
      expect(commissioner.path).toMatch(/^\/failure-responses\/\d+\?done=opened$/)
      const people = await commissioner.page.locator('#tracker tbody tr').count()
      expect(people).toBeGreaterThan(0)
      expect(await commissioner.page.locator('#response-figures').textContent()).toContain(`0 of ${people}`)
      await expectAccessible(commissioner)

      const broker = await session.signedIn(session.server.emailOf('broker'), PASSWORD)
      expect(await broker.visit(`/market-events/${eventId}/response`)).toBe(200)
      await submitForm(broker, broker.page.getByRole('button', { name: 'Make the re-sourcing requests' }))
      expect(await broker.page.locator('#resource-result').textContent()).toContain(`${people} made now`)
      const states = await broker.page.locator('#tracker tbody tr').allTextContents()
      expect(states.every((row) => /Published|Offers in|To re-source/.test(row))).toBe(true)
      await expectAccessible(broker)

      // A second click makes nothing more.
      expect(await broker.visit(`/market-events/${eventId}/response`)).toBe(200)
      await submitForm(broker, broker.page.getByRole('button', { name: 'Make the re-sourcing requests' }))
      expect(await broker.page.locator('#resource-result').textContent()).toContain(
        `0 made now, ${people} made before`,
      )

      // The first person went into hospital.
      const first = broker.page.locator('details').first()
      await first.locator('summary').click()
      await first.getByLabel('What happened').selectOption('in_hospital')
      await submitForm(broker, first.getByRole('button', { name: 'Save' }))
      expect(await broker.page.locator('#tracker').textContent()).toContain('In hospital')
      await expectAccessible(broker)

      // A provider at risk, before anything happens: the form asks for the last day.
      expect(await commissioner.visit('/failure-responses/new')).toBe(200)
      await expectAccessible(commissioner)
      await submitForm(commissioner, commissioner.page.getByRole('button', { name: 'Open the response' }))
      const problem = commissioner.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      await problem.waitFor()
      expect(await problem.textContent()).toContain('Enter the last day of care')
      await expectAccessible(commissioner)

      expect(broker.cspViolations, 'Content-Security-Policy violations').toEqual([])
      expect(broker.scriptErrors, 'uncaught script errors').toEqual([])
    })
  },
)
