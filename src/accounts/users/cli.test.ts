import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Command } from 'commander'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Fixture, PASSWORD, seedCouncil, testConfig } from '../../../test/helpers.ts'
import { createTestDatabase } from '../../../test/support/database.ts'
import { emailsTo } from '../../../test/support/emailed-links.ts'
import { cliContext } from '../../cli/context.ts'
import { registerUserCommands } from '../../cli/users.ts'
import type { DatabaseHandle } from '../../db/connection.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts'
import { sessions } from '../schema.ts'
import { activeAccounts, createSession, verifySignIn } from '../service.ts'
import { codeAt } from '../two-factor/rules.ts'
import { confirmTwoFactorSetUp, startTwoFactorSetUp } from '../two-factor/service.ts'
import { LAST_ADMIN } from './rules.ts'
import { findCouncilUserByEmail } from './service.ts'

let database: DatabaseHandle
let fixture: Fixture

beforeAll(async () => {
  database = await createTestDatabase()
  fixture = await seedCouncil(database, 'UCLI', testConfig())
})
afterAll(async () => database.close())

async function run(args: string[]): Promise<unknown> {
  const program = new Command('caremarket').exitOverride()
  registerUserCommands(
    program,
    cliContext(
      () => testConfig(),
      (work) => work(database),
    ),
  )
  const output: string[] = []
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    output.push(String(chunk))
    return true
  })
  try {
    await program.parseAsync(args, { from: 'user' })
  } finally {
    write.mockRestore()
  }
  return JSON.parse(output.join(''))
}

const target = (email: string) => ['--council', 'UCLI', '--email', email, '--json']

describe('caremarket user', () => {
  it('adds a user by invitation when no password is given', async () => {
    const added = await run([
      'user',
      'add',
      '--council',
      'UCLI',
      '--role',
      'broker',
      '--email',
      'Invited@Ucli.test',
      '--json',
    ])
    expect(added).toMatchObject({ email: 'invited@ucli.test', role: 'broker', invited: true })
    expect(await emailsTo(database.db, 'invited@ucli.test', 'account_invitation')).toBe(1)
  })

  it('lists and filters users as JSON', async () => {
    const all = (await run(['user', 'list', '--council', 'UCLI', '--json'])) as { users: { email: string }[] }
    expect(all.users.map((u) => u.email)).toContain(fixture.emails.broker)
    const invited = (await run(['user', 'list', '--council', 'UCLI', '--status', 'invited', '--json'])) as {
      users: { email: string; status: string }[]
    }
    expect(invited.users).toEqual([
      expect.objectContaining({ email: 'invited@ucli.test', status: 'invited' }),
    ])
    await expect(run(['user', 'list', '--council', 'UCLI', '--role', 'wizard', '--json'])).rejects.toThrow(
      ValidationError,
    )
  })

  it('disables and enables a user named by council and email address', async () => {
    expect(await run(['user', 'disable', ...target(fixture.emails.commissioner)])).toMatchObject({
      status: 'disabled',
    })
    expect(await verifySignIn(database.db, fixture.emails.commissioner, PASSWORD, { ip: 'cli' })).toEqual([])
    await expect(run(['user', 'disable', ...target(fixture.emails.commissioner)])).rejects.toThrow(
      'already disabled',
    )
    expect(await run(['user', 'enable', ...target(fixture.emails.commissioner)])).toMatchObject({
      status: 'active',
    })
    await expect(run(['user', 'enable', ...target('nobody@ucli.test')])).rejects.toThrow(NotFoundError)
  })

  it('changes a role, and refuses to demote or remove the last council admin', async () => {
    expect(
      await run(['user', 'set-role', ...target(fixture.emails.social_worker), '--role', 'broker']),
    ).toMatchObject({
      role: 'broker',
    })
    await expect(
      run(['user', 'set-role', ...target(fixture.emails.council_admin), '--role', 'broker']),
    ).rejects.toThrow(LAST_ADMIN.demote)
    await expect(run(['user', 'remove', ...target(fixture.emails.council_admin)])).rejects.toThrow(
      ConflictError,
    )
  })

  it('emails a reset link, and removes a user', async () => {
    expect(await run(['user', 'reset-password', ...target(fixture.emails.broker)])).toMatchObject({
      sent: 'reset',
    })
    expect(await emailsTo(database.db, fixture.emails.broker, 'password_reset')).toBe(1)
    expect(await run(['user', 'remove', ...target(fixture.emails.broker)])).toMatchObject({ removed: true })
    const all = (await run(['user', 'list', '--council', 'UCLI', '--json'])) as { users: { email: string }[] }
    expect(all.users.map((u) => u.email)).not.toContain(fixture.emails.broker)
  })

  it('imports a CSV file of users: all, or none with each rejected row', async () => {
    const good = path.join(tmpdir(), `caremarket-users-${process.pid}-good.csv`)
    writeFileSync(good, 'email,role\nfirst@ucli.test,broker\nsecond@ucli.test,commissioner\n')
    expect(await run(['user', 'import', '--council', 'UCLI', '--file', good, '--json'])).toMatchObject({
      added: [{ email: 'first@ucli.test' }, { email: 'second@ucli.test' }],
    })
    const bad = path.join(tmpdir(), `caremarket-users-${process.pid}-bad.csv`)
    writeFileSync(bad, 'email,role\nthird@ucli.test,broker\nfirst@ucli.test,broker\n')
    const refused = run(['user', 'import', '--council', 'UCLI', '--file', bad, '--json'])
    await expect(refused).rejects.toThrow(
      'Line 3: A user with the email address first@ucli.test already exists',
    )
    const all = (await run(['user', 'list', '--council', 'UCLI', '--json'])) as { users: { email: string }[] }
    expect(all.users.map((u) => u.email)).not.toContain('third@ucli.test')
  })

  it('resets the two-factor authentication of someone who lost their authenticator, ending their sessions', async () => {
    const email = fixture.emails.commissioner
    const { id } = await findCouncilUserByEmail(database.db, fixture.councilId, email)
    const [person] = await activeAccounts(database.db, [id])
    if (!person) throw new Error('no commissioner')
    const { secret } = await startTwoFactorSetUp(database.db, person)
    await confirmTwoFactorSetUp(database.db, person, codeAt(secret, Date.now()))
    await createSession(database.db, person, { idleMinutes: 60, maxHours: 8 })
    expect(
      await run(['user', 'list', '--council', 'UCLI', '--role', 'commissioner', '--json']),
    ).toMatchObject({
      users: expect.arrayContaining([expect.objectContaining({ email, twoFactorEnabled: true })]),
    })
    expect(await run(['user', 'reset-two-factor', ...target(email)])).toMatchObject({
      email,
      twoFactorEnabled: false,
    })
    expect(await database.db.select().from(sessions).where(eq(sessions.userId, id))).toEqual([])
    await expect(run(['user', 'reset-two-factor', ...target(email)])).rejects.toThrow('nothing to reset')
  })
})
