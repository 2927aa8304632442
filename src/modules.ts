// Every area of Caremarket, in the order the navigation shows them. The web app registers their
// routes and the scheduler runs their jobs, so neither names a domain.
import { accountsModule } from './accounts/module.ts'
import { auditModule } from './audit/module.ts'
import {
  allocationModule,
  brokerageSettingsModule,
  offersModule,
  packageImportsModule,
  requestsModule,
} from './brokerage/module.ts'
import { costsModule, ratesModule, upliftsModule } from './fees/module.ts'
import {
  iclModule,
  insightsModule,
  marketEventsModule,
  mpsModule,
  sufficiencyModule,
} from './market/module.ts'
import type { DomainModule, Job } from './module.ts'
import { notificationsModule } from './notifications/module.ts'
import {
  accreditedModule,
  capacityModule,
  cqcImportModule,
  frameworksModule,
  openReferralModule,
  profileModule,
  qualityModule,
  registerModule,
} from './providers/module.ts'
import type { Services } from './services.ts'
import type { Capability } from './web/navigation.ts'
import { webhooksModule } from './webhooks/module.ts'

export const MODULES: readonly DomainModule[] = [
  registerModule,
  accountsModule,
  auditModule,
  cqcImportModule,
  accreditedModule,
  qualityModule,
  frameworksModule,
  capacityModule,
  profileModule,
  openReferralModule,
  notificationsModule,
  webhooksModule,
  requestsModule,
  brokerageSettingsModule,
  offersModule,
  allocationModule,
  packageImportsModule,
  iclModule,
  mpsModule,
  insightsModule,
  marketEventsModule,
  sufficiencyModule,
  ratesModule,
  upliftsModule,
  costsModule,
]

/** Every page the modules offer, in the order the navigation shows them. */
export function moduleCapabilities(modules: readonly DomainModule[] = MODULES): Capability[] {
  return modules.flatMap((m) => m.navigation)
}

/** Every module's scheduled jobs, over the given services. */
export function scheduledJobs(services: Services, modules: readonly DomainModule[] = MODULES): Job[] {
  return modules.flatMap((m) => m.jobs?.(services) ?? [])
}
