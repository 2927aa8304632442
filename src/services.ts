// The one registry of Caremarket's services. Built once per process from the database, the
// configuration, a clock and a mailer; the web app, the CLI and the scheduler take what they need
// from it, and route tests build the app from a substitute.
import { createAccountsServices } from './accounts/services.ts'
import { createAuditServices } from './audit/services.ts'
import { brokerageEvents } from './brokerage/events.ts'
import { createBrokerageServices } from './brokerage/services.ts'
import type { Config } from './config.ts'
import { checkDatabase, type DatabaseHandle } from './db/connection.ts'
import { createFeesServices } from './fees/services.ts'
import { createGeographyServices } from './geography/services.ts'
import { listenToBrokerage, listenToRegister } from './market/listeners.ts'
import { createMarketServices } from './market/services.ts'
import { listenToBrokerageForNotifications } from './notifications/listeners.ts'
import { createSmtpTransport, type MailTransport } from './notifications/sender.ts'
import { createNotificationsServices } from './notifications/services.ts'
import { setNotificationLinkBase } from './notifications/staff.ts'
import { registerEvents } from './providers/cqc/register-events.ts'
import { createProvidersServices } from './providers/services.ts'
import { listenToBrokerageForWebhooks } from './webhooks/listeners.ts'
import { createWebhooksServices } from './webhooks/services.ts'

export interface ServiceDependencies {
  database: DatabaseHandle
  config: Config
  /** The time now; tests and the simulator give their own. */
  clock?: () => Date
  /** Where emails go; by default SMTP when it is configured, else they stay in the outbox. */
  mailer?: MailTransport
}

/**
 * Registers every domain's listeners on the events of the domains they react to: the market keeps
 * the Interim Care List's spells and request outcomes as brokerage changes requests, and records
 * market events as the CQC import changes the register; webhooks queue deliveries to case systems
 * as brokerage changes requests and packages; council staff are notified of requests' progress.
 * Registering again changes nothing.
 */
export function wireDomainEvents(): void {
  listenToBrokerage(brokerageEvents)
  listenToBrokerageForWebhooks(brokerageEvents)
  listenToBrokerageForNotifications(brokerageEvents)
  listenToRegister(registerEvents)
}

export function createServices({ database, config, clock, mailer }: ServiceDependencies) {
  wireDomainEvents()
  setNotificationLinkBase(config.baseUrl ?? `http://localhost:${config.port}`)
  const { db } = database
  const providers = createProvidersServices({ db, config })
  const fees = createFeesServices({ db })
  const transport = mailer ?? (config.smtp ? createSmtpTransport(config.smtp) : undefined)
  return {
    config,
    clock: clock ?? (() => new Date()),
    /** The database itself, for the outbox sender, the demo and the simulator, which run beside the services. */
    database,
    health: {
      engine: database.engine,
      check: () => checkDatabase(db),
    },
    ...createAccountsServices({ database, findOrganisation: providers.register.findOrganisationByCqcId }),
    ...createAuditServices({ db }),
    ...createGeographyServices({ db }),
    ...providers,
    ...createBrokerageServices({ db }),
    ...createMarketServices({ db, reportSources: { costOfCare: fees.costOfCare.costOfCareSummary } }),
    ...fees,
    ...createNotificationsServices({ db, mailer: transport }),
    ...createWebhooksServices({ db, config }),
  }
}

export type Services = ReturnType<typeof createServices>
