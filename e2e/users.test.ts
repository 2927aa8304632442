import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activeAccounts } from '../src/accounts/service.ts'
import { codeAt } from '../src/accounts/two-factor/rules.ts'
import { confirmTwoFactorSetUp, startTwoFactorSetUp } from '../src/accounts/two-factor/service.ts'
import { users } from '../src/db/schema.ts'
import { sendDueEmails } from '../src/notifications/sender.ts'
import { PASSWORD } from '../test/helpers.ts'
import { type SmtpPeer, startSmtpPeer } from '../test/support/smtp-peer.ts'
import {
  browserSession,
  expectAccessible,
  haveChromium,
  Layout,
  SetPasswordPage,
  SignInPage,
  submitForm,
  UserPage,
} from './pages.ts'
import { startServer } from './server.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

describe.skipIf(skip)(
  `user accounts in Chromium, checked by axe${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(() => startServer('EUS'))
    let peer: SmtpPeer
    beforeAll(async () => {
      peer = await startSmtpPeer()
    })
    afterAll(async () => peer.close())

    it('a council admin disables a broker, whose session ends at once, then enables them again', async () => {
      const { fixture, database } = session.server
      const broker = await session.signedIn(fixture.emails.broker, PASSWORD)
      const tab = await session.signedIn(fixture.emails.council_admin, PASSWORD)
      expect(await tab.visit('/admin/users')).toBe(200)
      await expectAccessible(tab)

      await submitForm(tab, tab.page.getByRole('link', { name: fixture.emails.broker }))
      const [row] = await database.db.select().from(users).where(eq(users.email, fixture.emails.broker))
      expect(tab.path).toBe(`/admin/users/${row?.id}`)
      const page = new UserPage(tab.page)
      expect(await page.status.textContent()).toContain('Active')
      await expectAccessible(tab)

      await submitForm(tab, page.disable)
      expect(await page.banner.textContent()).toContain('has been disabled')
      expect(await page.status.textContent()).toContain('Disabled')
      await expectAccessible(tab)
      expect(await broker.visit('/')).toBe(200)
      expect(broker.path).toMatch(/^\/sign-in/)

      await submitForm(tab, page.enable)
      expect(await page.banner.textContent()).toContain('has been enabled')
      expect(await page.status.textContent()).toContain('Active')
      await expectAccessible(tab)
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })

    it('a council admin resets the two-factor authentication of a commissioner who lost their phone', async () => {
      const { fixture, database } = session.server
      const [row] = await database.db.select().from(users).where(eq(users.email, fixture.emails.commissioner))
      const [person] = await activeAccounts(database.db, [row?.id ?? 0])
      if (!person) throw new Error('no commissioner')
      const { secret } = await startTwoFactorSetUp(database.db, person)
      await confirmTwoFactorSetUp(database.db, person, codeAt(secret, Date.now()))

      const tab = await session.signedIn(fixture.emails.council_admin, PASSWORD)
      expect(await tab.visit(`/admin/users/${person.id}`)).toBe(200)
      const page = new UserPage(tab.page)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Reset two-factor authentication' }))
      expect(await page.banner.textContent()).toContain('two-factor authentication has been reset')
      expect(await tab.page.getByRole('button', { name: 'Reset two-factor authentication' }).count()).toBe(0)
      await expectAccessible(tab)
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })

    it('a person who forgot their password gets a link by email and sets a new one', async () => {
      const { fixture, database } = session.server
      const tab = await session.open()
      const signIn = new SignInPage(tab.page)
      await signIn.open(tab)
      await submitForm(tab, tab.page.getByRole('link', { name: 'Forgotten your password?' }))
      expect(tab.path).toBe('/forgotten-password')
      await expectAccessible(tab)

      await tab.page.getByLabel('Email address').fill(fixture.emails.commissioner)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Send the link' }))
      expect(await new Layout(tab.page).heading.textContent()).toContain('Check your email')
      await expectAccessible(tab)

      // The outbox's sender delivers it over SMTP, as the scheduled job would.
      expect(await sendDueEmails(database.db, peer.transport())).toEqual({ sent: 1, failed: 0 })
      const [mail] = await peer.waitFor(1)
      expect(mail?.to).toEqual([fixture.emails.commissioner])
      expect(mail?.parsed.subject).toBe('Reset your Caremarket password')
      const link = new URL(mail?.parsed.text?.match(/https?:\/\/\S+\/set-password\?token=\S+/)?.[0] ?? '')

      expect(await tab.visit(link.pathname + link.search)).toBe(200)
      const form = new SetPasswordPage(tab.page)
      await expectAccessible(tab)
      await form.password.fill('password123456')
      await form.confirm.fill('password123456')
      await submitForm(tab, form.submit)
      expect(await form.errorSummary.textContent()).toContain('one of the most common')
      await expectAccessible(tab)

      await form.password.fill('lantern orchard pebble')
      await form.confirm.fill('lantern orchard pebble')
      await submitForm(tab, form.submit)
      expect(tab.path).toBe('/sign-in?notice=password-set')
      expect(await signIn.signedOutBanner.textContent()).toContain('Your password has been set')
      await expectAccessible(tab)
      await signIn.signIn(fixture.emails.commissioner, 'lantern orchard pebble')
      expect(tab.path).toBe('/')

      // The link worked once.
      expect(await tab.visit(link.pathname + link.search)).toBe(400)
      expect(await new Layout(tab.page).heading.textContent()).toContain(
        'This link has expired or has already been used',
      )
      await expectAccessible(tab)
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })

    it('a council admin adds users from a CSV file, seeing the rejected rows first', async () => {
      const tab = await session.signedIn(session.server.fixture.emails.council_admin, PASSWORD)
      expect(await tab.visit('/admin/users')).toBe(200)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Add users from a CSV file' }))
      expect(tab.path).toBe('/admin/users/import')
      await expectAccessible(tab)
      const file = join(tmpdir(), `caremarket-e2e-users-${process.pid}.csv`)
      await writeFile(file, 'email,role\nnew.broker@eus.test,broker\nnot-an-email,broker\n')
      await tab.page.getByLabel('CSV file of users').setInputFiles(file)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Add users' }))
      const summary = tab.page.getByRole('alert').filter({ hasText: 'There is a problem' })
      expect(await summary.textContent()).toContain('1 row was rejected, so no users were added')
      const rejected = tab.page.getByRole('table', { name: 'Rejected rows' })
      expect(await rejected.getByRole('row').nth(1).textContent()).toMatch(/3\s*Enter an email address/)
      await expectAccessible(tab)

      await writeFile(
        file,
        'email,role\nnew.broker@eus.test,broker\nnew.commissioner@eus.test,commissioner\n',
      )
      await tab.page.getByLabel('CSV file of users').setInputFiles(file)
      await submitForm(tab, tab.page.getByRole('button', { name: 'Add users' }))
      expect(tab.path).toMatch(/^\/admin\/users\?done=/)
      expect(await tab.page.locator('.govuk-notification-banner--success').textContent()).toContain(
        '2 users were added and sent invitations.',
      )
      expect(await tab.page.getByRole('link', { name: 'new.commissioner@eus.test' }).count()).toBe(1)
      await expectAccessible(tab)
      expect(tab.cspViolations).toEqual([])
      expect(tab.scriptErrors).toEqual([])
    })
  },
)
