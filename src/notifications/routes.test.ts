import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, createTestApp, type Fixture, seedCouncil } from '../../test/helpers.ts'
import { enqueueEmail } from './service.ts'

describe('the outbox pages', () => {
  let t: Awaited<ReturnType<typeof createTestApp>>
  let home: Fixture
  let other: Fixture
  let ownId: number
  let otherId: number

  beforeAll(async () => {
    t = await createTestApp({ CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000' })
    home = await seedCouncil(t.database, 'OUT', t.config)
    other = await seedCouncil(t.database, 'OUX', t.config)
    ownId = (
      await enqueueEmail(t.database.db, {
        councilId: home.councilId,
        kind: 'capacity_reminder',
        to: 'manager@care.example',
        subject: 'Please update your capacity',
        body: 'Hello,\n\n<b>Line</b> two',
      })
    ).id
    otherId = (
      await enqueueEmail(t.database.db, {
        councilId: other.councilId,
        kind: 'capacity_reminder',
        to: 'someone@else.example',
        subject: 'Another council’s message',
        body: 'Hello',
      })
    ).id
  })
  afterAll(async () => t.close())

  it('lists the council’s messages as the mail log when SMTP is not set up', async () => {
    for (const role of ['council_admin', 'commissioner'] as const) {
      const client = new Client(t.app)
      await client.signIn(home.emails[role])
      const page = await client.get('/admin/outbox')
      expect(page.statusCode).toBe(200)
      expect(page.body).toContain('Email sending is not set up on this service')
      expect(page.body).toContain('Please update your capacity')
      expect(page.body).toContain('manager@care.example')
      expect(page.body).toContain('Capacity reminder')
      expect(page.body).toContain('Not sent: email is not set up')
      expect(page.body).not.toContain('Another council’s message')
    }
  })

  it('shows one message with its body, escaped, and hides other councils’ messages', async () => {
    const admin = new Client(t.app)
    await admin.signIn(home.emails.council_admin)
    const page = await admin.get(`/admin/outbox/${ownId}`)
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Hello,<br />\n<br />\n&lt;b&gt;Line&lt;/b&gt; two')
    expect((await admin.get(`/admin/outbox/${otherId}`)).statusCode).toBe(404)
  })

  it('says a message is waiting when SMTP is configured', async () => {
    const configured = await createTestApp({
      CAREMARKET_SIGN_IN_ATTEMPTS_PER_MINUTE: '1000',
      SMTP_HOST: '127.0.0.1',
      SMTP_FROM: 'caremarket@council.example',
    })
    try {
      const fixture = await seedCouncil(configured.database, 'OUS', configured.config)
      await enqueueEmail(configured.database.db, {
        councilId: fixture.councilId,
        kind: 'capacity_reminder',
        to: 'manager@care.example',
        subject: 'Waiting',
        body: 'Hello',
      })
      const admin = new Client(configured.app)
      await admin.signIn(fixture.emails.council_admin)
      const page = await admin.get('/admin/outbox')
      expect(page.body).toContain('Waiting to send')
      expect(page.body).not.toContain('Email sending is not set up')
    } finally {
      await configured.close()
    }
  })
})
