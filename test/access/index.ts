import { accreditedRules } from './accredited.ts'
import { allocationRules } from './allocation.ts'
import { capacityRules } from './capacity.ts'
import { cqcRules } from './cqc.ts'
import { feesRules } from './fees.ts'
import { feesCostsRules } from './fees-costs.ts'
import { feesUpliftsRules } from './fees-uplifts.ts'
import { foundationRules } from './foundation.ts'
import { frameworksRules } from './frameworks.ts'
import { marketRules } from './market.ts'
import { notificationsRules } from './notifications.ts'
import { offersRules } from './offers.ts'
import { openReferralRules } from './openreferral.ts'
import { packageImportsRules } from './package-imports.ts'
import { profileRules } from './profile.ts'
import { qualityRules } from './quality.ts'
import { requestsRules } from './requests.ts'
import { settingsRules } from './settings.ts'
import { signInSecurityRules } from './sign-in-security.ts'
import type { AccessRule } from './types.ts'
import { webhooksRules } from './webhooks.ts'

/** The whole authorisation matrix: each domain keeps its rows in a file of its own here. */
export const ACCESS_RULES: AccessRule[] = [
  ...foundationRules,
  ...signInSecurityRules,
  ...cqcRules,
  ...accreditedRules,
  ...qualityRules,
  ...frameworksRules,
  ...capacityRules,
  ...profileRules,
  ...notificationsRules,
  ...webhooksRules,
  ...requestsRules,
  ...settingsRules,
  ...offersRules,
  ...allocationRules,
  ...packageImportsRules,
  ...marketRules,
  ...openReferralRules,
  ...feesUpliftsRules,
  ...feesRules,
  ...feesCostsRules,
]
