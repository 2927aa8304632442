// Accounts' services as the registry hands them out: each closes over the database.

import { bindDatabase } from '../db/bind.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { startApiTokenResolver } from './api-token-cache.ts'
import {
  createApiToken,
  issueApiToken,
  listApiTokens,
  revokeApiToken,
  revokeCouncilApiToken,
} from './api-tokens.ts'
import {
  activeAccounts,
  addUser,
  createSession,
  endSession,
  getCouncilByCode,
  listCouncils,
  listUsers,
  loadServiceSecret,
  recordSignIn,
  resolveSession,
  verifySignIn,
} from './service.ts'
import {
  getSsoSettings,
  recordSsoRefusal,
  saveSsoSettings,
  signInWithSso,
  ssoClientFor,
  ssoSignInChoices,
} from './sso/service.ts'
import {
  checkTwoFactorCode,
  confirmTwoFactorSetUp,
  councilRequiresTwoFactor,
  setCouncilTwoFactorRequirement,
  stageAfterPassword,
  startTwoFactorSetUp,
  twoFactorStatus,
  useRecoveryCode,
} from './two-factor/service.ts'

export interface AccountsDependencies {
  database: DatabaseHandle
}

export function createAccountsServices({ database }: AccountsDependencies) {
  return {
    accounts: {
      ...bindDatabase(database.db, {
        getCouncilByCode,
        listCouncils,
        addUser,
        listUsers,
        verifySignIn,
        recordSignIn,
        activeAccounts,
        createSession,
        endSession,
        resolveSession,
        loadServiceSecret,
        issueApiToken,
        createApiToken,
        listApiTokens,
        revokeApiToken,
        revokeCouncilApiToken,
      }),
      /** Resolves API tokens, forgetting revoked ones as the database announces them. */
      startApiTokenResolver: () => startApiTokenResolver(database),
    },
    twoFactor: bindDatabase(database.db, {
      councilRequiresTwoFactor,
      setCouncilTwoFactorRequirement,
      twoFactorStatus,
      stageAfterPassword,
      startTwoFactorSetUp,
      confirmTwoFactorSetUp,
      checkTwoFactorCode,
      useRecoveryCode,
    }),
    singleSignOn: bindDatabase(database.db, {
      getSsoSettings,
      saveSsoSettings,
      ssoSignInChoices,
      ssoClientFor,
      signInWithSso,
      recordSsoRefusal,
    }),
  }
}

export type AccountsServices = ReturnType<typeof createAccountsServices>
