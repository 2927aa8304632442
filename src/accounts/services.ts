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
  changePassword,
  checkPasswordLink,
  requestPasswordReset,
  setPasswordWithLink,
} from './passwords/links.ts'
import {
  activeAccounts,
  addUser,
  createSession,
  endSession,
  getCouncilByCode,
  listCouncils,
  loadServiceSecret,
  recordSignIn,
  resolveSession,
  verifySignIn,
} from './service.ts'
import { endAllSessions, listSessions } from './sessions.ts'
import { importUsers } from './users/import.ts'
import {
  changeUserEmail,
  changeUserRole,
  disableUser,
  enableUser,
  findCouncilUserByEmail,
  getCouncilUser,
  listCouncilUsers,
  removeUser,
  sendPasswordLink,
} from './users/service.ts'

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
        listCouncilUsers,
        getCouncilUser,
        findCouncilUserByEmail,
        disableUser,
        enableUser,
        changeUserRole,
        changeUserEmail,
        removeUser,
        sendPasswordLink,
        importUsers,
        requestPasswordReset,
        checkPasswordLink,
        setPasswordWithLink,
        changePassword,
        listSessions,
        endAllSessions,
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
  }
}

export type AccountsServices = ReturnType<typeof createAccountsServices>
