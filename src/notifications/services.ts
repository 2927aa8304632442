// The outbox's services as the registry hands them out: each closes over the database.

import { bindDatabase } from '../db/bind.ts'
import type { Database } from '../db/connection.ts'
import { notifyRepublishDue } from './listeners.ts'
import { type MailTransport, sendDueEmails } from './sender.ts'
import { getOutboxMessage, listOutbox } from './service.ts'
import {
  getNotificationPreferences,
  listStaffNotifications,
  markAllStaffNotificationsRead,
  markStaffNotificationRead,
  saveNotificationPreferences,
  sendStaffDigests,
  unreadStaffNotifications,
} from './staff.ts'

export function createNotificationsServices({ db, mailer }: { db: Database; mailer?: MailTransport }) {
  return {
    notifications: {
      ...bindDatabase(db, { listOutbox, getOutboxMessage }),
      /** The transport email goes out over, when SMTP is configured; else email stays in the outbox. */
      mailer,
      sendDueEmails: (options?: { now?: Date; limit?: number }) =>
        mailer ? sendDueEmails(db, mailer, options) : Promise.resolve({ sent: 0, failed: 0 }),
    },
    /** Council staff's inbox, their choices of how to be told, and the jobs that tell them. */
    staffNotifications: bindDatabase(db, {
      list: listStaffNotifications,
      unread: unreadStaffNotifications,
      markRead: markStaffNotificationRead,
      markAllRead: markAllStaffNotificationsRead,
      preferences: getNotificationPreferences,
      savePreferences: saveNotificationPreferences,
      sendDigests: sendStaffDigests,
      notifyRepublishDue,
    }),
  }
}

export type NotificationsServices = ReturnType<typeof createNotificationsServices>
