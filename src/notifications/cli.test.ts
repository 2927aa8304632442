import { Command } from 'commander'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../test/helpers.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { type SmtpPeer, startSmtpPeer } from '../../test/support/smtp-peer.ts'
import { CliUsageError, cliContext } from '../cli/context.ts'
import { registerNotificationCommands } from '../cli/notifications.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { outbox } from '../db/schema.ts'

let database: DatabaseHandle
let fixture: Fixture
let peer: SmtpPeer

beforeAll(async () => {
  database = await createTestDatabase()
  fixture = await seedCouncil(database, 'CLI', testConfig())
  peer = await startSmtpPeer()
})
afterAll(async () => {
  await peer.close()
  await database.close()
})
beforeEach(async () => {
  await database.db.delete(outbox)
})

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const program = new Command('caremarket').exitOverride()
  registerNotificationCommands(
    program,
    cliContext(
      () => testConfig(env),
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
  return output.join('')
}

describe('caremarket capacity remind and outbox send', () => {
  it('reminds one council’s providers, then delivers the reminders over SMTP', async () => {
    const reminded = JSON.parse(await run(['capacity', 'remind', '--council', 'cli', '--json'])) as {
      councils: { reminded: { to: string[] }[] }[]
    }
    expect(reminded.councils[0]?.reminded.map((r) => r.to)).toEqual([
      [fixture.emails.providerA],
      [fixture.emails.providerB],
    ])

    const smtp = { SMTP_URL: `smtp://127.0.0.1:${peer.port}`, SMTP_FROM: 'caremarket@cli.example' }
    expect(JSON.parse(await run(['outbox', 'send', '--json'], smtp))).toEqual({ sent: 2, failed: 0 })
    const mail = await peer.waitFor(2)
    expect(mail.flatMap((m) => m.to).sort()).toEqual(
      [fixture.emails.providerA, fixture.emails.providerB].sort(),
    )
    expect(mail[0]?.from).toBe('caremarket@cli.example')
  })

  it('refuses to send without SMTP settings', async () => {
    await expect(run(['outbox', 'send'])).rejects.toThrow(CliUsageError)
  })
})
