// The team and token commands, run in process over a test database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCommandOn } from '../../test/support/cli.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { addUser, createCouncil } from '../accounts/service.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { CliUsageError } from './context.ts'

const system = { kind: 'system', label: 'test' } as const
const worker = 'jo@teams.test'
let database: DatabaseHandle

beforeAll(async () => {
  database = await createTestDatabase()
  const council = await createCouncil(database.db, { code: 'TEAMS', name: 'Teams Council' }, system)
  await addUser(
    database.db,
    council.id,
    { email: worker, role: 'social_worker', password: 'a long enough password' },
    system,
    { passwordCostLog2: 10 },
  )
})
afterAll(async () => database?.close())

const run = (args: string[]) => runCommandOn(database, args)

describe('caremarket team', () => {
  it('adds a team, puts a social worker in it and lists it', async () => {
    const team = JSON.parse(
      await run(['team', 'add', '--council', 'TEAMS', '--name', 'North locality', '--json']),
    )
    expect(team).toMatchObject({ name: 'North locality', council: 'TEAMS' })
    const member = JSON.parse(
      await run([
        'team',
        'add-member',
        '--council',
        'TEAMS',
        '--team',
        String(team.id),
        '--email',
        'JO@teams.test',
        '--json',
      ]),
    )
    expect(member).toMatchObject({ email: worker, role: 'social_worker' })
    const listed = JSON.parse(await run(['team', 'list', '--council', 'TEAMS', '--json']))
    expect(listed.teams).toEqual([
      { id: team.id, name: 'North locality', members: [expect.objectContaining({ email: worker })] },
    ])
    expect(await run(['team', 'list', '--council', 'TEAMS'])).toBe(`${team.id}\tNorth locality\t${worker}\n`)
  })

  it('refuses the same name twice in any case, and someone who is not in the council', async () => {
    await expect(run(['team', 'add', '--council', 'TEAMS', '--name', 'north LOCALITY'])).rejects.toThrow(
      'There is already a team called north LOCALITY',
    )
    const team = JSON.parse(await run(['team', 'add', '--council', 'TEAMS', '--name', 'South', '--json']))
    await expect(
      run([
        'team',
        'add-member',
        '--council',
        'TEAMS',
        '--team',
        String(team.id),
        '--email',
        'nobody@teams.test',
      ]),
    ).rejects.toThrow('No active user with the email address nobody@teams.test in this council')
  })
})

describe('caremarket token', () => {
  it('makes a token that acts as a person, lasting a year unless told', async () => {
    const made = JSON.parse(await run(['token', 'create', '--council', 'TEAMS', '--user', worker, '--json']))
    expect(made).toMatchObject({ user: worker, council: 'TEAMS', onBehalfOf: false })
    expect(made.token).toMatch(/^cm_/)
    const inAYear = Date.now() + 365 * 86_400_000
    expect(Math.abs(Date.parse(made.expiresAt) - inAYear)).toBeLessThan(86_400_000)
    const short = JSON.parse(
      await run([
        'token',
        'create',
        '--council',
        'TEAMS',
        '--user',
        worker,
        '--expires-in-days',
        '7',
        '--json',
      ]),
    )
    expect(Math.abs(Date.parse(short.expiresAt) - (Date.now() + 7 * 86_400_000))).toBeLessThan(86_400_000)
  })

  it('makes a system token that may act on behalf of people, and rotates it', async () => {
    const made = JSON.parse(
      await run([
        'token',
        'create',
        '--council',
        'TEAMS',
        '--role',
        'broker',
        '--on-behalf-of',
        '--name',
        'Mosaic',
        '--json',
      ]),
    )
    expect(made).toMatchObject({ role: 'broker', onBehalfOf: true })
    const rotated = JSON.parse(
      await run([
        'token',
        'rotate',
        '--council',
        'TEAMS',
        '--id',
        String(made.id),
        '--grace-hours',
        '2',
        '--json',
      ]),
    )
    expect(rotated.token).not.toBe(made.token)
    expect(Math.abs(Date.parse(rotated.previousExpiresAt) - (Date.now() + 2 * 3_600_000))).toBeLessThan(
      600_000,
    )
  })

  it('says what is wrong: a person and a role, neither, on-behalf-of for a person, someone unknown', async () => {
    await expect(
      run(['token', 'create', '--council', 'TEAMS', '--user', worker, '--role', 'broker']),
    ).rejects.toThrow(CliUsageError)
    await expect(run(['token', 'create', '--council', 'TEAMS'])).rejects.toThrow('Give --user <email>')
    await expect(
      run(['token', 'create', '--council', 'TEAMS', '--user', worker, '--on-behalf-of']),
    ).rejects.toThrow('--on-behalf-of is for a system’s token')
    await expect(
      run(['token', 'create', '--council', 'TEAMS', '--user', 'nobody@teams.test']),
    ).rejects.toThrow('No active user with the email address nobody@teams.test')
  })
})
