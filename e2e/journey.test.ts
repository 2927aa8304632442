// One request from creation to award, as a new user walks it after `npm start`: the real service
// process on a fresh data directory, its demo council and the sign-ins it prints.

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { addCalendarDays } from '../src/brokerage/rules/index.ts'
import { REQUEST_SERVICE_TYPE_LABELS, REQUEST_SERVICE_TYPE_MAP } from '../src/brokerage/rules/vocabulary.ts'
import { demoEmail } from '../src/demo/generate.ts'
import { planCouncil } from '../src/demo/plan.ts'
import { CLIENT_GROUP_LABELS } from '../src/providers/vocabulary.ts'
import { londonDate } from '../src/shared/dates.ts'
import { greatCircleMiles } from '../src/shared/distance.ts'
import { browserSession, expectAccessible, haveChromium, Layout, submitForm, type Tab } from './pages.ts'

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0'
// As in browser.test.ts: skipped on a laptop without Chromium, never silently in CI.
const skip = !haveChromium && !inCi

const ROOT = fileURLToPath(new URL('..', import.meta.url))
// Settings the service reads from its environment: a developer's own must not leak into the run.
const CONFIG_VARIABLES = /^(PORT|HOST|DATABASE_URL|LOG_LEVEL|NODE_ENV|CAREMARKET_\w+|SMTP_\w+)$/

interface StartedService {
  baseUrl: string
  councilName: string
  councilCode: string
  password: string
  /** The demo sign-ins the service printed, by role. */
  emails: Record<string, string>
  close(): Promise<void>
}

/**
 * `npm start` on an empty data directory: `caremarket serve` creates the demo council, simulates a
 * week of brokerage, and prints where it runs and who can sign in. Port 0 lets the system choose.
 */
async function startService(): Promise<StartedService> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'caremarket-journey-'))
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONFIG_VARIABLES.test(name)))
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'bin/caremarket.js'), 'serve'], {
    cwd: ROOT,
    env: {
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
      CAREMARKET_DATA_DIR: dataDir,
      CAREMARKET_DEMO_WEEKS: '1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8')
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )

  const removeDataDir = () => rm(dataDir, { recursive: true, force: true })
  const output = () => `stdout:\n${stdout}\nstderr:\n${stderr}`

  try {
    const printed = await new Promise<Omit<StartedService, 'close'>>((resolve, reject) => {
      child.stdout?.on('data', (chunk: string) => {
        stdout += chunk
        const service = parseStartup(stdout)
        if (service) resolve(service)
      })
      child.once('error', reject)
      void exited.then(({ code, signal }) =>
        reject(new Error(`caremarket serve stopped before it was ready (${code ?? signal})\n${output()}`)),
      )
    })
    return {
      ...printed,
      async close() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
        const { code, signal } = await exited
        await removeDataDir()
        // The service handles SIGTERM by finishing its work and exiting 0.
        if (code !== 0)
          throw new Error(`caremarket serve exited with ${code ?? signal} on SIGTERM\n${output()}`)
      },
    }
  } catch (error) {
    child.kill('SIGKILL')
    await exited
    await removeDataDir()
    throw error
  }
}

/** What `caremarket serve` prints once it listens, or null until all of it has arrived. */
function parseStartup(stdout: string): Omit<StartedService, 'close'> | null {
  const running = /^Caremarket is running at (http:\/\/\S+) on /m.exec(stdout)
  const demo = /^(.+), council code (\w+)\. Sign in with password "([^"]+)" as:$/m.exec(stdout)
  if (!running?.[1] || !demo?.[1] || !demo[2] || !demo[3]) return null
  const emails: Record<string, string> = {}
  for (const [, role, email] of stdout.matchAll(/^ {2}(\w+) +(\S+@\S+)$/gm)) {
    if (role && email) emails[role] = email
  }
  // The three roles this journey needs; the lines arrive together, but a pipe may split them.
  if (!emails.social_worker || !emails.broker || !emails.provider_user) return null
  return { baseUrl: running[1], councilName: demo[1], councilCode: demo[2], password: demo[3], emails }
}

/** A question page of a new request: Continue and the GOV.UK date inputs. */
class QuestionPage extends Layout {
  readonly continueButton: Locator

  constructor(page: Page) {
    super(page)
    this.continueButton = page.getByRole('button', { name: 'Continue' })
  }

  async fillDate(legend: string, date: string): Promise<void> {
    const [year, month, day] = date.split('-')
    const group = this.page.getByRole('group', { name: legend })
    await group.getByLabel('Day').fill(String(Number(day)))
    await group.getByLabel('Month').fill(String(Number(month)))
    await group.getByLabel('Year').fill(year ?? '')
  }
}

/** The person this journey finds care for. Fictional. */
const PERSON = {
  name: 'Edith Marchbanks',
  dateOfBirth: '1938-09-14',
  dateOfBirthText: '14 September 1938',
  nhsNumber: '943 476 5919',
}

describe.skipIf(skip)(
  `a demo request from creation to award after npm start${skip ? ' (skipped: no Chromium)' : ''}`,
  () => {
    const session = browserSession(startService)

    it('a social worker requests a care home place, a broker publishes it, the demo provider offers and wins', async () => {
      const service = session.server
      const serviceType = 'residential' as const
      const clientGroup = 'older_people' as const

      // The demo the service created, planned again: serve makes one council from seed 1.
      const plan = planCouncil(0, { seed: 1, scale: 1 })
      expect(service.councilCode).toBe(plan.code)
      expect(service.password).toBe('caremarket-demo')
      for (const role of ['social_worker', 'broker', 'provider_user']) {
        expect(service.emails[role], `printed sign-in for ${role}`).toBe(demoEmail(role, plan.code))
      }

      // The demo provider user works for providers[0]. The request is shaped to invite one of its
      // homes: one offering the service with the specialisms the type implies, taking the client
      // group, and not rated Inadequate.
      const wanted = REQUEST_SERVICE_TYPE_MAP[serviceType]
      const home = plan.locations.find(
        (l) =>
          l.provider === 0 &&
          (l.serviceTypes as readonly string[]).includes(wanted.serviceType) &&
          wanted.specialisms.every((s) => l.specialisms.includes(s)) &&
          l.clientGroups.includes(clientGroup) &&
          l.cqcRating !== 'Inadequate',
      )
      if (!home) throw new Error(`the demo provider has no ${serviceType} home for ${clientGroup}`)
      // The person lives in the home's postcode district, at the nearest postcode that is no site of
      // the demo provider, so their full postcode is never one the provider already knows.
      const providerPostcodes = new Set(plan.locations.filter((l) => l.provider === 0).map((l) => l.postcode))
      const [neighbour] = plan.locations
        .filter((l) => l.outcode === home.outcode && !providerPostcodes.has(l.postcode))
        .map((l) => ({ postcode: l.postcode, miles: greatCircleMiles(l, home) }))
        .sort((a, b) => a.miles - b.miles)
      if (!neighbour) throw new Error(`no other postcode in ${home.outcode} in the demo`)
      const person = { ...PERSON, postcode: neighbour.postcode }
      const startDate = addCalendarDays(londonDate(new Date()), 21)

      // Each page is checked by axe once for each user who sees it.
      const checked = new Set<string>()
      const check = async (who: string, tab: Tab) => {
        const key = `${who} ${tab.path}`
        if (checked.has(key)) return
        checked.add(key)
        await expectAccessible(tab)
      }

      // --- The social worker asks for care, one question a page. ---
      const worker = await session.signedIn(service.emails.social_worker as string, service.password)
      const wp = worker.page
      expect(worker.path).toBe('/')
      expect((await new Layout(wp).heading.textContent())?.trim()).toBe(service.councilName)
      await check('social worker', worker)
      await submitForm(worker, wp.getByRole('link', { name: 'Request care' }).first())
      expect(worker.path).toBe('/requests/new')
      await check('social worker', worker)
      await submitForm(worker, wp.getByRole('button', { name: 'Start now' }))
      expect(worker.path).toBe('/requests/new/person')
      await check('social worker', worker)

      const question = new QuestionPage(wp)
      await wp.getByLabel('Full name').fill(person.name)
      await question.fillDate('Date of birth', person.dateOfBirth)
      await wp.getByRole('radio', { name: 'Female' }).check()
      await wp.getByLabel('Postcode').fill(person.postcode)
      await wp.getByLabel('NHS number (optional)').fill(person.nhsNumber)
      await submitForm(worker, question.continueButton)
      expect(worker.path).toMatch(/^\/requests\/\d+\/edit\/contacts$/)
      await check('social worker', worker)
      await submitForm(worker, question.continueButton)
      expect(worker.path).toMatch(/^\/requests\/\d+\/edit\/service-type$/)
      const requestPath = worker.path.replace(/\/edit\/service-type$/, '')
      const requestId = Number(requestPath.split('/').pop())
      await check('social worker', worker)

      // The remaining question pages, in the order a social worker answers them.
      await wp.getByRole('radio', { name: REQUEST_SERVICE_TYPE_LABELS[serviceType], exact: true }).check()
      await submitForm(worker, question.continueButton)
      expect(worker.path).toBe(`${requestPath}/edit/needs`)
      await check('social worker', worker)
      await wp.getByRole('radio', { name: CLIENT_GROUP_LABELS[clientGroup] }).check()
      await wp
        .getByLabel('Summary of needs')
        .fill('Frail after a fall; needs help with washing, dressing and moving about.')
      await submitForm(worker, question.continueButton)

      expect(worker.path).toBe(`${requestPath}/edit/location`)
      await check('social worker', worker)
      // The council's usual distance is filled in; the home must be within it to be invited.
      const maxMiles = Number(await wp.getByLabel('Maximum distance').inputValue())
      expect(neighbour.miles, `${person.postcode} to ${home.name}`).toBeLessThanOrEqual(maxMiles)
      await submitForm(worker, question.continueButton)

      expect(worker.path).toBe(`${requestPath}/edit/start`)
      await check('social worker', worker)
      await question.fillDate('Start date', startDate)
      await wp.getByRole('radio', { name: 'Routine' }).check()
      await submitForm(worker, question.continueButton)

      expect(worker.path).toBe(`${requestPath}/edit/price`)
      await check('social worker', worker)
      await wp.getByLabel('Usual price').fill('950')
      await submitForm(worker, question.continueButton)

      // A DPS lot question comes only when the council has lots; the demo's answer is "no lot".
      if (worker.path === `${requestPath}/edit/lot`) {
        await check('social worker', worker)
        await wp.getByRole('radio', { name: 'No: invite every eligible provider' }).check()
        await submitForm(worker, question.continueButton)
      }
      expect(worker.path).toBe(`${requestPath}/edit/notes`)
      await check('social worker', worker)
      await wp
        .getByLabel('Notes for providers (optional)')
        .fill('Enjoys the garden; a ground-floor room would suit.')
      await submitForm(worker, question.continueButton)

      expect(worker.path).toBe(`${requestPath}/check-answers`)
      await check('social worker', worker)
      const workerMain = wp.getByRole('main')
      expect(await workerMain.textContent()).toContain(REQUEST_SERVICE_TYPE_LABELS[serviceType])
      expect(await workerMain.textContent()).toContain('£950.00 per week')
      await submitForm(worker, wp.getByRole('button', { name: 'Submit request' }))
      expect(worker.path).toBe(`${requestPath}?done=submitted`)
      expect(await wp.locator('.govuk-notification-banner--success').textContent()).toContain(
        'Request submitted to the brokerage team.',
      )
      await check('social worker', worker)

      // --- The broker finds the submitted request and publishes it. ---
      const broker = await session.signedIn(service.emails.broker as string, service.password)
      const bp = broker.page
      await check('broker', broker)
      await submitForm(broker, new Layout(bp).navigation.getByRole('link', { name: 'Sourcing requests' }))
      expect(broker.path).toBe('/requests')
      await check('broker', broker)
      await bp.getByLabel('Status').selectOption({ label: 'Submitted' })
      await submitForm(broker, bp.getByRole('button', { name: 'Apply filters' }))
      await check('broker', broker)
      await submitForm(broker, bp.getByRole('main').getByRole('link', { name: person.name }))
      expect(broker.path).toBe(requestPath)
      // Before publishing, the broker sees how many locations would be invited and why others would not be.
      expect(await bp.locator('#invitation-preview').textContent()).toMatch(
        /Publishing now would invite \d+ location/,
      )
      await check('broker', broker)
      await submitForm(broker, bp.getByRole('button', { name: 'Publish to providers' }))
      expect(broker.path).toBe(`${requestPath}?done=published`)
      expect(await bp.getByRole('main').textContent()).toContain('Offers close')
      await check('broker', broker)

      // The broker can ask why a location was or was not invited: the demo provider's home was.
      await submitForm(broker, bp.getByRole('link', { name: 'See who was invited, and why others were not' }))
      await check('broker', broker)
      await bp.getByLabel('Location name or CQC location ID').fill(home.cqcLocationId)
      await submitForm(broker, bp.getByRole('button', { name: 'Find location' }))
      const decision = bp.getByRole('table', { name: `Locations matching “${home.cqcLocationId}”` })
      const decisionText = await decision
        .getByRole('row', { name: home.name })
        .getByRole('cell')
        .last()
        .textContent()
      expect(decisionText?.trim()).toMatch(/^Invited\b/)
      await check('broker', broker)

      // --- The demo provider sees the opportunity, without the person's identity, and offers. ---
      const provider = await session.signedIn(service.emails.provider_user as string, service.password)
      const pp = provider.page
      const providerName = plan.providers[0]?.name as string
      expect((await new Layout(pp).heading.textContent())?.trim()).toBe(providerName)
      await check('provider', provider)
      await submitForm(provider, new Layout(pp).navigation.getByRole('link', { name: 'Opportunities' }))
      expect(provider.path).toBe('/provider/opportunities')
      await check('provider', provider)
      await submitForm(provider, pp.getByRole('link', { name: `Request ${requestId}` }).first())
      expect(provider.path).toBe(`/provider/opportunities/${requestId}`)
      const opportunity = (await pp.getByRole('main').textContent()) ?? ''
      expect(opportunity).toContain(home.outcode)
      expect(opportunity).toContain(home.name)
      for (const secret of [person.name, person.postcode, person.nhsNumber, person.dateOfBirthText]) {
        expect(opportunity, 'providers never see who the person is before award').not.toContain(secret)
      }
      await check('provider', provider)

      const [year, month, day] = startDate.split('-') as [string, string, string]
      await pp.getByRole('radio', { name: home.name, exact: true }).check()
      // Below the demo rate book's usual price for a standard residential place, £850 a week.
      await pp.getByLabel('Price per week').fill('825')
      await pp.getByLabel('Day').fill(String(Number(day)))
      await pp.getByLabel('Month').fill(String(Number(month)))
      await pp.getByLabel('Year').fill(year)
      await pp.getByRole('group', { name: 'Can you meet all the person’s needs?' }).getByLabel('Yes').check()
      await submitForm(provider, pp.getByRole('button', { name: 'Send offer' }))
      expect(provider.path).toBe(`/provider/opportunities/${requestId}?done=made`)
      expect(await pp.locator('.govuk-notification-banner--success').textContent()).toContain(
        'Your offer has been sent to the council.',
      )
      await check('provider', provider)

      // --- The broker closes offers early, reads the ranked shortlist, and awards the person's choice. ---
      // Closing early asks for confirmation and a reason, on a page of its own.
      expect(await broker.visit(requestPath)).toBe(200)
      await submitForm(broker, bp.getByRole('button', { name: 'Close to offers early' }))
      expect(broker.path).toBe(`${requestPath}/close`)
      await check('broker', broker)
      await submitForm(broker, bp.getByRole('button', { name: 'Close to offers now' }))
      expect(await bp.getByRole('alert').filter({ hasText: 'There is a problem' }).textContent()).toContain(
        'Enter why you are closing the request to offers early',
      )
      await expectAccessible(broker)
      await bp
        .getByLabel('Why are you closing it early?')
        .fill('The offer in suits her and she leaves hospital soon.')
      await submitForm(broker, bp.getByRole('button', { name: 'Close to offers now' }))
      expect(broker.path).toBe(`${requestPath}?done=closed`)
      expect(await bp.getByRole('main').textContent()).toMatch(/Closed to offers.*\(UK time\), early/s)
      await check('broker', broker)
      await submitForm(broker, bp.getByRole('link', { name: 'See the offers for this request' }))
      expect(broker.path).toBe(`${requestPath}/offers`)
      const shortlist = bp.getByRole('table', { name: 'Offers ranked by total score' })
      const topRow = shortlist.getByRole('row').nth(1)
      expect(await topRow.textContent()).toContain(home.name)
      expect(await topRow.textContent()).toContain('£825.00')
      await check('broker', broker)
      await submitForm(broker, topRow.getByRole('link', { name: /^Accept/ }))
      expect(broker.path).toMatch(new RegExp(`^${requestPath}/offers/\\d+/award$`))
      expect(await bp.getByRole('main').textContent()).toContain('This is the top-ranked offer.')
      await check('broker', broker)
      const choice = 'Her daughter lives nearby and visited the home with her.'
      await bp.getByLabel('Why the person chose this offer (optional)').fill(choice)
      await submitForm(broker, bp.getByRole('button', { name: 'Accept offer and create the package' }))
      expect(broker.path).toMatch(/\?done=awarded&package=\d+$/)
      expect(await bp.locator('.govuk-notification-banner--success').textContent()).toContain(
        'Offer accepted',
      )
      await check('broker', broker)
      const packageId = Number(new URL(bp.url()).searchParams.get('package'))

      // The package exists, with the person's choice on it.
      await submitForm(broker, new Layout(bp).navigation.getByRole('link', { name: 'Packages' }))
      expect(broker.path).toBe('/packages')
      await check('broker', broker)
      expect(await broker.visit(`/packages/${packageId}`)).toBe(200)
      const packageMain = (await bp.getByRole('main').textContent()) ?? ''
      expect(packageMain).toContain(person.name)
      expect(packageMain).toContain(home.name)
      expect(packageMain).toContain(choice)
      await check('broker', broker)

      // --- The provider is told it won, and only now sees who the person is. ---
      await submitForm(provider, new Layout(pp).navigation.getByRole('link', { name: 'Messages' }))
      expect(provider.path).toBe('/provider/messages')
      expect(await pp.getByRole('main').textContent()).toContain(
        `Your offer on request ${requestId} was accepted`,
      )
      await check('provider', provider)
      expect(await provider.visit(`/provider/opportunities/${requestId}`)).toBe(200)
      expect(
        await pp
          .getByRole('table', { name: 'Your offers on this request' })
          .getByRole('row')
          .nth(1)
          .textContent(),
      ).toContain('Accepted')
      await check('provider', provider)
      await submitForm(
        provider,
        new Layout(pp).navigation.getByRole('link', { name: 'Packages you provide' }),
      )
      expect(provider.path).toBe('/provider/packages')
      await check('provider', provider)
      expect(await provider.visit(`/provider/packages/${packageId}`)).toBe(200)
      expect((await new Layout(pp).heading.textContent())?.trim()).toBe(person.name)
      const details = (await pp.getByRole('main').textContent()) ?? ''
      for (const fact of [person.postcode, person.dateOfBirthText]) expect(details).toContain(fact)
      // Digits only: this page does not space the NHS number as the council's pages do.
      expect(details.replace(/\s+/g, '')).toContain(person.nhsNumber.replace(/\s+/g, ''))
      await check('provider', provider)

      for (const tab of [worker, broker, provider]) {
        expect(tab.cspViolations, 'Content-Security-Policy violations').toEqual([])
        expect(tab.scriptErrors, 'uncaught script errors').toEqual([])
      }
    })
  },
)
