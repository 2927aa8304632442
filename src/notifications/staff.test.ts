import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Fixture, seedCouncil, testConfig } from '../../test/helpers.ts'
import { createTestDatabase } from '../../test/support/database.ts'
import { placeInvitableLocation } from '../../test/support/offers-factory.ts'
import { careHomeRequest, sessionUserOf } from '../../test/support/request-users.ts'
import { type SmtpPeer, startSmtpPeer } from '../../test/support/smtp-peer.ts'
import type { SessionUser } from '../accounts/service.ts'
import { addUser } from '../accounts/service.ts'
import { brokerageEvents } from '../brokerage/events.ts'
import { award, markUnsourced } from '../brokerage/offers/award.ts'
import { makeOffer } from '../brokerage/offers/service.ts'
import { assignRequest } from '../brokerage/requests/assignment.ts'
import { cancel, closeRequest, createRequest, publish, submit } from '../brokerage/requests/service.ts'
import { addCalendarDays } from '../brokerage/rules/deadlines.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { notificationPreferences, outbox, staffNotifications, users } from '../db/schema.ts'
import { ValidationError } from '../errors.ts'
import { formatDate, londonDate, startOfLondonDay } from '../shared/dates.ts'
import { digestCutoff } from './kinds.ts'
import { notifyRepublishDue } from './listeners.ts'
import { sendDueEmails } from './sender.ts'
import {
  getNotificationPreferences,
  listStaffNotifications,
  markAllStaffNotificationsRead,
  markStaffNotificationRead,
  saveNotificationPreferences,
  sendStaffDigests,
  unreadStaffNotifications,
} from './staff.ts'

// Monday 2 March 2026, 10:00 in London (GMT).
const NOW = new Date('2026-03-02T10:00:00Z')
const clock = { now: NOW }
const system = { kind: 'system', label: 'test' } as const

let database: DatabaseHandle
let home: Fixture
let other: Fixture
let socialWorker: SessionUser
let broker: SessionUser
let otherBroker: SessionUser
let peer: SmtpPeer

beforeAll(async () => {
  database = await createTestDatabase()
  const config = testConfig()
  home = await seedCouncil(database, 'NTF', config)
  other = await seedCouncil(database, 'NTX', config)
  await placeInvitableLocation(database.db, home)
  socialWorker = await sessionUserOf(database, home, 'social_worker')
  broker = await sessionUserOf(database, home, 'broker')
  otherBroker = await sessionUserOf(database, other, 'broker')
  peer = await startSmtpPeer()
})
afterAll(async () => {
  await peer.close()
  await database.close()
})
beforeEach(async () => {
  await database.db.delete(staffNotifications)
  await database.db.delete(notificationPreferences)
  await database.db.delete(outbox)
  peer.received.length = 0
})

async function inboxOf(user: SessionUser) {
  return database.db
    .select()
    .from(staffNotifications)
    .where(eq(staffNotifications.userId, user.id))
    .orderBy(staffNotifications.id)
}

async function emailsTo(address: string) {
  return database.db.select().from(outbox).where(eq(outbox.toAddress, address)).orderBy(outbox.id)
}

async function submittedRequest(): Promise<number> {
  const created = await createRequest(database.db, socialWorker, careHomeRequest(), clock)
  await submit(database.db, socialWorker, created.id, clock)
  return created.id
}

/** A request published, offered on by provider B, and closed early by the broker. */
async function closedWithOneOffer(): Promise<{ requestId: number; offerId: number }> {
  const requestId = await submittedRequest()
  await publish(database.db, broker, requestId, clock)
  const { offer } = await makeOffer(
    database.db,
    { councilId: home.councilId, providerOrganisationId: home.providerB.id },
    system,
    requestId,
    {
      locationId: home.providerB.locationId,
      pricePence: 85_000,
      earliestStart: '2026-03-20',
      meetsAllNeeds: true,
    },
    { now: NOW },
  )
  await closeRequest(database.db, broker, requestId, { ...clock, reason: 'Enough offers' })
  return { requestId, offerId: offer.id }
}

describe('telling council staff of requests', () => {
  it('tells the council’s brokers of a submitted request, in the inbox and by email over SMTP', async () => {
    const requestId = await submittedRequest()
    const [notice] = await inboxOf(broker)
    expect(notice).toMatchObject({
      kind: 'request_submitted',
      requestId,
      subject: `Request ${requestId} was submitted`,
      link: `/requests/${requestId}`,
      email: 'immediate',
      readAt: null,
    })
    // Not the social worker who submitted it, and no other council's broker.
    expect(await inboxOf(socialWorker)).toEqual([])
    expect(await inboxOf(otherBroker)).toEqual([])

    const [email] = await emailsTo(broker.email)
    expect(email?.subject).toBe(`Request ${requestId} was submitted`)
    expect(email?.bodyText).toContain(`/requests/${requestId}`)
    expect(email?.bodyText).not.toContain('Winifred')
    expect(email?.bodyText).not.toContain('Applethwaite')

    expect(await sendDueEmails(database.db, peer.transport())).toEqual({ sent: 1, failed: 0 })
    const [mail] = await peer.waitFor(1)
    expect(mail?.to).toEqual([broker.email])
    expect(mail?.parsed.subject).toBe(`Request ${requestId} was submitted`)
    expect(mail?.parsed.text).toContain(`http://localhost:3000/requests/${requestId}`)
  })

  it('tells brokers when a request is published to fewer than three providers', async () => {
    const requestId = await submittedRequest()
    await publish(database.db, broker, requestId, clock)
    const few = (await inboxOf(broker)).filter((n) => n.kind === 'few_eligible_providers')
    expect(few.map((n) => n.subject)).toEqual([`Request ${requestId}: only 1 provider is eligible`])
    expect(few[0]?.body).toContain('Only 1 provider is eligible to offer')
  })

  it('tells brokers a request closed, with its number of offers, and the social worker of its award', async () => {
    const { requestId, offerId } = await closedWithOneOffer()
    const closed = (await inboxOf(broker)).filter((n) => n.kind === 'request_closed')
    expect(closed.map((n) => n.subject)).toEqual([`Request ${requestId} closed with 1 offer`])
    expect(await inboxOf(socialWorker)).toEqual([])

    await award(database.db, { councilId: home.councilId, actor: system }, requestId, { offerId }, NOW)
    const awarded = await inboxOf(socialWorker)
    expect(awarded.map((n) => [n.kind, n.subject])).toEqual([
      ['request_awarded', `Request ${requestId} was awarded`],
    ])
    expect((await emailsTo(socialWorker.email)).map((e) => e.subject)).toEqual([
      `Request ${requestId} was awarded`,
    ])
  })

  it('tells only the assigned broker that their request closed', async () => {
    const colleague = await addUser(
      database.db,
      home.councilId,
      { email: 'second.broker@ntf.test', role: 'broker', password: 'a long enough password' },
      system,
      { passwordCostLog2: 10 },
    )
    const requestId = await submittedRequest()
    await publish(database.db, broker, requestId, clock)
    await assignRequest(database.db, broker, requestId, { userId: colleague.id })
    await closeRequest(database.db, broker, requestId, { ...clock, reason: 'Nobody will offer' })
    const closedFor = async (user: { id: number }) =>
      (
        await database.db
          .select()
          .from(staffNotifications)
          .where(and(eq(staffNotifications.userId, user.id), eq(staffNotifications.kind, 'request_closed')))
      ).length
    expect(await closedFor(colleague)).toBe(1)
    expect(await closedFor(broker)).toBe(0)
  })

  it('says when a request closed with no offers', async () => {
    const requestId = await submittedRequest()
    await publish(database.db, broker, requestId, clock)
    await closeRequest(database.db, broker, requestId, { ...clock, reason: 'Nobody will offer' })
    const closed = (await inboxOf(broker)).filter((n) => n.kind === 'request_closed')
    expect(closed.map((n) => n.subject)).toEqual([`Request ${requestId} closed with no offers`])
    expect(closed[0]?.body).toContain('Mark it unsourced or cancel it')
  })

  it('tells the social worker who made a request that it is unsourced, or cancelled', async () => {
    const { requestId } = await closedWithOneOffer()
    await markUnsourced(database.db, { councilId: home.councilId, actor: system }, requestId, {}, NOW)
    const cancelledId = await submittedRequest()
    await cancel(database.db, broker, cancelledId, { ...clock, reason: 'The person moved away' })
    expect((await inboxOf(socialWorker)).map((n) => [n.kind, n.requestId])).toEqual([
      ['request_unsourced', requestId],
      ['request_cancelled', cancelledId],
    ])
    // The cancellation's reason is free text about the person: it stays on the request's page.
    const [, cancelled] = await inboxOf(socialWorker)
    expect(cancelled?.body).not.toContain('moved away')
  })

  it('tells brokers and the social worker when the provider confirms or declines an award', async () => {
    const requestId = await submittedRequest()
    await database.db.delete(staffNotifications)
    await database.db.delete(outbox)
    await database.db.transaction(async (tx) => {
      await brokerageEvents.emit(
        'packageConfirmed',
        { councilId: home.councilId, requestId, packageId: 7 },
        tx,
      )
      await brokerageEvents.emit(
        'packageDeclined',
        { councilId: home.councilId, requestId, packageId: 8, reason: 'No carers near Mrs Applethwaite' },
        tx,
      )
    })
    for (const user of [broker, socialWorker]) {
      const kinds = (await inboxOf(user)).map((n) => [n.kind, n.email])
      expect(kinds).toEqual([
        ['package_confirmed', 'digest'],
        ['package_declined', 'immediate'],
      ])
    }
    const declinedEmails = await emailsTo(broker.email)
    expect(declinedEmails.map((e) => e.subject)).toEqual([
      `Request ${requestId}: the provider declined the package`,
    ])
    expect(declinedEmails[0]?.bodyText).not.toContain('Applethwaite')
  })

  it('leaves out a social worker whose account is disabled', async () => {
    const requestId = await submittedRequest()
    await database.db.update(users).set({ active: false }).where(eq(users.id, socialWorker.id))
    try {
      await cancel(database.db, broker, requestId, { ...clock, reason: 'No longer needed' })
      expect(await inboxOf(socialWorker)).toEqual([])
    } finally {
      await database.db.update(users).set({ active: true }).where(eq(users.id, socialWorker.id))
    }
  })

  it('tells brokers once when an unsourced request’s republish date comes', async () => {
    const { requestId } = await closedWithOneOffer()
    await markUnsourced(database.db, { councilId: home.councilId, actor: system }, requestId, {}, NOW)
    await database.db.delete(staffNotifications)
    // Marked unsourced on 2 March: due on 9 March.
    expect(await notifyRepublishDue(database.db, new Date('2026-03-08T10:00:00Z'))).toEqual({
      requests: 0,
      told: 0,
    })
    const onDue = await notifyRepublishDue(database.db, new Date('2026-03-09T10:00:00Z'))
    expect(onDue.told).toBeGreaterThanOrEqual(1)
    const again = await notifyRepublishDue(database.db, new Date('2026-03-10T10:00:00Z'))
    expect(again.told).toBe(0)
    const due = (await inboxOf(broker)).filter((n) => n.requestId === requestId)
    expect(due.map((n) => [n.kind, n.email])).toEqual([['republish_due', 'digest']])
    expect(due[0]?.body).toContain('2 March 2026')
  })
})

describe('each person’s choices', () => {
  it('lists the kinds a role is sent with their defaults, and refuses a choice that is not one', async () => {
    const choices = await getNotificationPreferences(database.db, broker)
    expect(choices.map((c) => [c.kind, c.delivery])).toEqual([
      ['request_submitted', 'immediate'],
      ['few_eligible_providers', 'immediate'],
      ['request_closed', 'immediate'],
      ['package_confirmed', 'digest'],
      ['package_declined', 'immediate'],
      ['package_handed_back', 'immediate'],
      ['republish_due', 'digest'],
    ])
    expect((await getNotificationPreferences(database.db, socialWorker)).map((c) => c.kind)).toEqual([
      'request_awarded',
      'request_unsourced',
      'request_cancelled',
      'package_confirmed',
      'package_declined',
      'package_handed_back',
    ])
    const error = await saveNotificationPreferences(database.db, broker, {
      ...Object.fromEntries(choices.map((c) => [c.kind, c.delivery])),
      request_submitted: 'hourly',
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).errors.map((e) => e.field)).toEqual(['request_submitted'])
  })

  it('sends nothing of a kind turned off, and keeps a digest kind out of email until the digest', async () => {
    const current = await getNotificationPreferences(database.db, broker)
    await saveNotificationPreferences(database.db, broker, {
      ...Object.fromEntries(current.map((c) => [c.kind, c.delivery])),
      request_submitted: 'off',
      few_eligible_providers: 'digest',
    })
    const requestId = await submittedRequest()
    await publish(database.db, broker, requestId, clock)
    expect((await inboxOf(broker)).map((n) => [n.kind, n.email])).toEqual([
      ['few_eligible_providers', 'digest'],
    ])
    expect(await emailsTo(broker.email)).toEqual([])

    // Before 07:00 the next day nothing is due; from then, one email with the day's items, once.
    const [item] = await inboxOf(broker)
    if (!item) throw new Error('no notification')
    const day = londonDate(new Date(item.createdAt))
    const sevenNextDay = new Date(startOfLondonDay(addCalendarDays(day, 1)).getTime() + 7 * 3_600_000)
    expect(await sendStaffDigests(database.db, new Date(sevenNextDay.getTime() - 60_000))).toEqual({
      digests: 0,
      notifications: 0,
    })
    expect(await sendStaffDigests(database.db, sevenNextDay)).toEqual({ digests: 1, notifications: 1 })
    expect(await sendStaffDigests(database.db, new Date(sevenNextDay.getTime() + 3_600_000))).toEqual({
      digests: 0,
      notifications: 0,
    })
    const subject = `Caremarket: your notifications up to ${formatDate(day)}`
    const [digest] = await emailsTo(broker.email)
    expect(digest?.kind).toBe('staff_digest')
    expect(digest?.subject).toBe(subject)
    expect(digest?.bodyText).toContain(`Request ${requestId}: only 1 provider is eligible`)
    expect(digest?.bodyText).toContain(`http://localhost:3000/requests/${requestId}`)
    expect(digest?.bodyText).not.toContain('Applethwaite')

    // The provider's invitation goes out too.
    const { sent } = await sendDueEmails(database.db, peer.transport())
    const mail = (await peer.waitFor(sent)).filter((m) => m.to.includes(broker.email))
    expect(mail.map((m) => m.parsed.subject)).toEqual([subject])
  })

  it('gathers a digest up to the start of the London day, from 07:00 London time', () => {
    expect(digestCutoff(new Date('2026-07-01T05:59:00Z'))).toBeNull()
    // 07:00 in British Summer Time is 06:00 UTC; the day began at 23:00 UTC the day before.
    expect(digestCutoff(new Date('2026-07-01T06:00:00Z'))).toEqual(new Date('2026-06-30T23:00:00Z'))
  })
})

describe('the inbox', () => {
  it('lists a person’s own notifications newest first, a page at a time, and marks them read', async () => {
    for (let i = 0; i < 27; i++) {
      await database.db.insert(staffNotifications).values({
        councilId: home.councilId,
        userId: broker.id,
        kind: 'request_submitted',
        requestId: null,
        subject: `Notice ${i}`,
        body: 'Body',
        link: '/requests',
        email: 'none',
      })
    }
    const first = await listStaffNotifications(database.db, broker, {})
    expect(first.notifications[0]?.subject).toBe('Notice 26')
    expect(first).toMatchObject({ total: 27, unread: 27, page: 1, pages: 2 })
    const second = await listStaffNotifications(database.db, broker, { page: '2' })
    expect(second.notifications.map((n) => n.subject)).toEqual(['Notice 1', 'Notice 0'])
    await expect(listStaffNotifications(database.db, broker, { page: '0' })).rejects.toThrow(ValidationError)

    const one = first.notifications[0]
    if (!one) throw new Error('no notice')
    await markStaffNotificationRead(database.db, broker, one.id)
    expect(await unreadStaffNotifications(database.db, broker)).toBe(26)
    // Another person's notification is not found, as another council's would be.
    await expect(markStaffNotificationRead(database.db, socialWorker, one.id)).rejects.toThrow(
      'No such notification',
    )
    await expect(
      markStaffNotificationRead(database.db, { ...otherBroker, id: broker.id }, one.id),
    ).rejects.toThrow('No such notification')
    expect(await markAllStaffNotificationsRead(database.db, broker)).toEqual({ marked: 26 })
    expect(await unreadStaffNotifications(database.db, broker)).toBe(0)
    const [row] = await database.db
      .select()
      .from(staffNotifications)
      .where(and(eq(staffNotifications.id, one.id)))
    expect(row?.readAt).not.toBeNull()
  })
})
