import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/support/database.ts'
import { closedPort, type SmtpPeer, startSmtpPeer } from '../../test/support/smtp-peer.ts'
import { createCouncil } from '../accounts/service.ts'
import { ConfigError, loadConfig } from '../config.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { ValidationError } from '../errors.ts'
import { MAX_SEND_ATTEMPTS, outboxStatus, retryDelayMs, SEND_LEASE_MS } from './rules.ts'
import { outbox } from './schema.ts'
import { type MailTransport, sendDueEmails, startOutboxSender } from './sender.ts'
import { enqueueEmail, lastEmailed } from './service.ts'

let database: DatabaseHandle
let councilId: number
let peer: SmtpPeer
const system = { kind: 'system', label: 'test' } as const
const silent = { info() {}, warn() {}, error() {} }

beforeAll(async () => {
  database = await createTestDatabase()
  councilId = (await createCouncil(database.db, { code: 'MAIL', name: 'Mail Test Council' }, system)).id
  peer = await startSmtpPeer()
})
afterAll(async () => {
  await peer.close()
  await database.close()
})
beforeEach(async () => {
  await database.db.delete(outbox)
  peer.received.length = 0
})

async function message(id: number) {
  const [row] = await database.db.select().from(outbox).where(eq(outbox.id, id))
  if (!row) throw new Error(`no outbox row ${id}`)
  return row
}

describe('enqueueEmail', () => {
  it('writes in the caller’s transaction, so a rolled-back change leaves no email', async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await enqueueEmail(tx, { councilId, kind: 'test', to: 'a@example.org', subject: 'Hi', body: 'Body' })
        throw new Error('the change failed')
      }),
    ).rejects.toThrow('the change failed')
    expect(await database.db.select().from(outbox)).toEqual([])
  })

  it('refuses a recipient that is not an email address and a subject with a line break', async () => {
    await expect(
      enqueueEmail(database.db, {
        councilId,
        kind: 'test',
        to: 'a@example.org, nobody',
        subject: 'Hi',
        body: 'B',
      }),
    ).rejects.toThrow(ValidationError)
    await expect(
      enqueueEmail(database.db, {
        councilId,
        kind: 'test',
        to: 'a@example.org',
        subject: 'Hi\r\nBcc: x@example.org',
        body: 'B',
      }),
    ).rejects.toThrow('A subject is one line')
  })
})

describe('sendDueEmails over SMTP', () => {
  it('delivers a message to a real SMTP server and records it as sent', async () => {
    const { id } = await enqueueEmail(database.db, {
      councilId,
      kind: 'test',
      to: 'manager@rose-house.example, deputy@rose-house.example',
      subject: 'Please update your capacity',
      body: 'Line one\nLine two – with a dash',
    })
    const result = await sendDueEmails(database.db, peer.transport())
    expect(result).toEqual({ sent: 1, failed: 0 })
    const [mail] = await peer.waitFor(1)
    expect(mail?.to).toEqual(['manager@rose-house.example', 'deputy@rose-house.example'])
    expect(mail?.from).toBe('caremarket@council.test')
    expect(mail?.parsed.subject).toBe('Please update your capacity')
    expect(mail?.parsed.text?.trim()).toBe('Line one\nLine two – with a dash')
    expect(mail?.parsed.headers.get('x-caremarket-outbox-id')).toBe(String(id))
    const row = await message(id)
    expect(row.sentAt).toBeInstanceOf(Date)
    expect(row.attempts).toBe(1)
    expect(row.lastError).toBeNull()
    expect(outboxStatus(row, true)).toBe('sent')

    // Sent messages are never sent again.
    expect(await sendDueEmails(database.db, peer.transport())).toEqual({ sent: 0, failed: 0 })
    expect(peer.received).toHaveLength(1)
  })

  it('records a refused connection and retries later, backing off', async () => {
    const refused = (await import('nodemailer')).default.createTransport(
      { host: '127.0.0.1', port: await closedPort(), secure: false, ignoreTLS: true },
      { from: 'caremarket@council.test' },
    )
    const { id } = await enqueueEmail(database.db, {
      councilId,
      kind: 'test',
      to: 'a@example.org',
      subject: 'Retry me',
      body: 'Body',
    })
    // A second ahead, as the database's clock may be a fraction of a millisecond ahead of this one.
    const now = new Date(Date.now() + 1000)
    expect(await sendDueEmails(database.db, refused, { now })).toEqual({ sent: 0, failed: 1 })
    let row = await message(id)
    expect(row.sentAt).toBeNull()
    expect(row.attempts).toBe(1)
    expect(row.lastError).toMatch(/ECONNREFUSED/)
    expect(row.nextAttemptAt.getTime()).toBe(now.getTime() + 60_000)
    expect(outboxStatus(row, true)).toBe('retrying')

    // Not due again until the back-off has passed.
    expect(
      await sendDueEmails(database.db, peer.transport(), { now: new Date(now.getTime() + 59_000) }),
    ).toEqual({ sent: 0, failed: 0 })
    const later = new Date(now.getTime() + 60_000)
    expect(await sendDueEmails(database.db, refused, { now: later })).toEqual({ sent: 0, failed: 1 })
    row = await message(id)
    expect(row.attempts).toBe(2)
    expect(row.nextAttemptAt.getTime()).toBe(later.getTime() + 120_000)

    // Once the server is back, the next due attempt delivers it.
    const recovered = new Date(later.getTime() + 120_000)
    expect(await sendDueEmails(database.db, peer.transport(), { now: recovered })).toEqual({
      sent: 1,
      failed: 0,
    })
    expect((await peer.waitFor(1))[0]?.parsed.subject).toBe('Retry me')
    row = await message(id)
    expect(row.sentAt).toBeInstanceOf(Date)
    expect(row.attempts).toBe(3)
    expect(row.lastError).toBeNull()
  })

  it('gives up after the last attempt and leaves the message marked failed', async () => {
    const { id } = await enqueueEmail(database.db, {
      councilId,
      kind: 'test',
      to: 'a@example.org',
      subject: 'Never',
      body: 'Body',
    })
    await database.db
      .update(outbox)
      .set({ attempts: MAX_SEND_ATTEMPTS, lastError: 'ECONNREFUSED' })
      .where(eq(outbox.id, id))
    expect(await sendDueEmails(database.db, peer.transport())).toEqual({ sent: 0, failed: 0 })
    expect(outboxStatus(await message(id), true)).toBe('failed')
  })

  it('tries a message again once the lease of a sender that died mid-send runs out, even on its last attempt', async () => {
    const { id } = await enqueueEmail(database.db, {
      councilId,
      kind: 'test',
      to: 'a@example.org',
      subject: 'Last chance',
      body: 'Body',
    })
    await database.db
      .update(outbox)
      .set({ attempts: MAX_SEND_ATTEMPTS - 1, lastError: 'ECONNREFUSED' })
      .where(eq(outbox.id, id))
    // A sender that claims the message and never finishes, as one killed mid-send.
    let claimed: () => void = () => {}
    const sending = new Promise<void>((resolve) => {
      claimed = resolve
    })
    const dying: MailTransport = {
      sendMail: () => {
        claimed()
        return new Promise(() => {})
      },
    }
    void sendDueEmails(database.db, dying)
    await sending
    // Leased meanwhile: no other sender takes it.
    expect(await sendDueEmails(database.db, peer.transport())).toEqual({ sent: 0, failed: 0 })
    expect(outboxStatus(await message(id), true)).toBe('retrying')

    // A second over, as the database's clock may be a fraction of a millisecond ahead of this one.
    const leaseOver = new Date(Date.now() + SEND_LEASE_MS + 1000)
    expect(await sendDueEmails(database.db, peer.transport(), { now: leaseOver })).toEqual({
      sent: 1,
      failed: 0,
    })
    expect((await peer.waitFor(1))[0]?.parsed.subject).toBe('Last chance')
    const row = await message(id)
    expect(row.attempts).toBe(MAX_SEND_ATTEMPTS)
    expect(outboxStatus(row, true)).toBe('sent')
  })

  it('delivers each message once when several senders run at the same time', async () => {
    for (let i = 0; i < 12; i++)
      await enqueueEmail(database.db, {
        councilId,
        kind: 'test',
        to: `person${i}@example.org`,
        subject: `Message ${i}`,
        body: 'Body',
      })
    const results = await Promise.all(
      [1, 2, 3].map(() => sendDueEmails(database.db, peer.transport(), { limit: 5 })),
    )
    // Whatever one sender claimed, the others skipped; another round picks up what is left.
    const first = results.reduce((sum, r) => sum + r.sent, 0)
    const second = await sendDueEmails(database.db, peer.transport())
    expect(first + second.sent).toBe(12)
    const mail = await peer.waitFor(12)
    expect(new Set(mail.map((m) => m.parsed.subject)).size).toBe(12)
    expect(mail).toHaveLength(12)
  })
})

describe('startOutboxSender', () => {
  it('sends through the SMTP server the configuration names, with its credentials, and runs daily jobs', async () => {
    const authPeer = await startSmtpPeer({ user: 'caremarket', password: 's3cret/pass' })
    const config = loadConfig({
      SMTP_URL: `smtp://caremarket:${encodeURIComponent('s3cret/pass')}@127.0.0.1:${authPeer.port}`,
      SMTP_FROM: 'Norfolk Caremarket <caremarket@norfolk.example>',
    })
    const runs: Date[] = []
    await enqueueEmail(database.db, {
      councilId,
      kind: 'test',
      to: 'a@example.org',
      subject: 'From the loop',
      body: 'Body',
    })
    const stop = startOutboxSender({
      db: database.db,
      config,
      logger: silent,
      intervalMs: 10,
      dailyJobs: [{ name: 'count', run: async (_db, now) => runs.push(now) }],
    })
    try {
      const [mail] = await authPeer.waitFor(1)
      expect(mail?.parsed.subject).toBe('From the loop')
      expect(mail?.parsed.from?.text).toBe('"Norfolk Caremarket" <caremarket@norfolk.example>')
    } finally {
      await stop()
      await authPeer.close()
    }
    // Many rounds ran, but the daily job only once.
    expect(runs).toHaveLength(1)
  })

  it('without SMTP sends nothing and leaves messages in the outbox as the mail log', async () => {
    const { id } = await enqueueEmail(database.db, {
      councilId,
      kind: 'test',
      to: 'a@example.org',
      subject: 'Logged',
      body: 'Body',
    })
    const config = loadConfig({})
    expect(config.smtp).toBeNull()
    let ran = 0
    const stop = startOutboxSender({
      db: database.db,
      config,
      logger: silent,
      dailyJobs: [{ name: 'count', run: async () => ran++ }],
    })
    await stop()
    expect(ran).toBe(1)
    const row = await message(id)
    expect(row.sentAt).toBeNull()
    expect(row.attempts).toBe(0)
    expect(outboxStatus(row, false)).toBe('logged')
  })
})

describe('lastEmailed', () => {
  it('finds the newest message of a kind to any of the addresses, in the council only', async () => {
    expect(
      await lastEmailed(database.db, { councilId, kind: 'reminder', addresses: ['b@example.org'] }),
    ).toBeNull()
    await enqueueEmail(database.db, {
      councilId,
      kind: 'reminder',
      to: 'a@example.org, B@example.org',
      subject: 'Hi',
      body: 'Body',
    })
    const at = await lastEmailed(database.db, { councilId, kind: 'reminder', addresses: ['b@example.org'] })
    expect(at).toBeInstanceOf(Date)
    expect(
      await lastEmailed(database.db, { councilId, kind: 'other', addresses: ['b@example.org'] }),
    ).toBeNull()
    expect(
      await lastEmailed(database.db, { councilId, kind: 'reminder', addresses: ['c@example.org'] }),
    ).toBeNull()
    expect(
      await lastEmailed(database.db, {
        councilId: councilId + 1000,
        kind: 'reminder',
        addresses: ['b@example.org'],
      }),
    ).toBeNull()
  })
})

describe('retry schedule and SMTP settings', () => {
  it('doubles the wait from a minute to at most six hours', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([60_000, 120_000, 240_000, 480_000])
    expect(retryDelayMs(9)).toBe(256 * 60_000)
    expect(retryDelayMs(40)).toBe(6 * 60 * 60_000)
  })

  it('reads SMTP from a URL or from separate settings, and insists on a sender address', () => {
    expect(
      loadConfig({ SMTP_URL: 'smtps://u%40x:p%2Fw@mail.example:2465', SMTP_FROM: 'a@b.example' }).smtp,
    ).toEqual({
      host: 'mail.example',
      port: 2465,
      secure: true,
      user: 'u@x',
      password: 'p/w',
      from: 'a@b.example',
    })
    expect(loadConfig({ SMTP_HOST: 'relay.example', SMTP_FROM: 'a@b.example' }).smtp).toEqual({
      host: 'relay.example',
      port: 587,
      secure: false,
      user: undefined,
      password: undefined,
      from: 'a@b.example',
    })
    expect(
      loadConfig({ SMTP_HOST: 'relay.example', SMTP_PORT: '465', SMTP_FROM: 'a@b.example' }).smtp?.secure,
    ).toBe(true)
    expect(() => loadConfig({ SMTP_HOST: 'relay.example' })).toThrow(ConfigError)
    expect(() => loadConfig({ SMTP_URL: 'http://relay.example', SMTP_FROM: 'a@b.example' })).toThrow(
      /smtp:\/\//,
    )
  })
})
