// Accounts' services as the registry hands them out: each closes over the database.

import type { Actor } from '../audit/service.ts'
import { bindDatabase } from '../db/bind.ts'
import type { DatabaseHandle } from '../db/connection.ts'
import { startApiTokenResolver } from './api-token-cache.ts'
import {
  createApiToken,
  issueApiToken,
  listApiTokens,
  revokeApiToken,
  revokeCouncilApiToken,
  rotateApiToken,
  rotateCouncilApiToken,
  rotateOwnApiToken,
} from './api-tokens.ts'
import {
  changePassword,
  checkPasswordLink,
  requestPasswordReset,
  setPasswordWithLink,
} from './passwords/links.ts'
import {
  type AccountsOptions,
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
import {
  getSsoSettings,
  recordSsoRefusal,
  saveSsoSettings,
  signInWithSso,
  ssoClientFor,
  ssoSignInChoices,
} from './sso/service.ts'
import { addTeamMember, createTeam, getTeam, listTeams, removeTeamMember, teamsOfUser } from './teams.ts'
import {
  checkTwoFactorCode,
  confirmTwoFactorSetUp,
  councilRequiresTwoFactor,
  setCouncilTwoFactorRequirement,
  stageAfterPassword,
  startTwoFactorSetUp,
  turnOffTwoFactor,
  twoFactorStatus,
  useRecoveryCode,
} from './two-factor/service.ts'
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
  resetUserTwoFactor,
  sendPasswordLink,
} from './users/service.ts'

export interface AccountsDependencies {
  database: DatabaseHandle
  /** The register's look-up of a provider organisation, for linking provider users to theirs. */
  findOrganisation: NonNullable<AccountsOptions['findOrganisation']>
}

export function createAccountsServices({ database, findOrganisation }: AccountsDependencies) {
  return {
    accounts: {
      addUser: (
        councilId: number,
        input: Parameters<typeof addUser>[2],
        actor: Actor,
        options: AccountsOptions = {},
      ) => addUser(database.db, councilId, input, actor, { findOrganisation, ...options }),
      importUsers: (
        councilId: number,
        content: Buffer | string,
        actor: Actor,
        options: { linkBase: string },
      ) => importUsers(database.db, councilId, content, actor, { findOrganisation, ...options }),
      ...bindDatabase(database.db, {
        getCouncilByCode,
        listCouncils,
        listCouncilUsers,
        getCouncilUser,
        findCouncilUserByEmail,
        disableUser,
        enableUser,
        changeUserRole,
        changeUserEmail,
        removeUser,
        resetUserTwoFactor,
        sendPasswordLink,
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
        rotateApiToken,
        rotateCouncilApiToken,
        rotateOwnApiToken,
      }),
      /** Resolves API tokens, forgetting revoked ones as the database announces them. */
      startApiTokenResolver: () => startApiTokenResolver(database),
    },
    teams: bindDatabase(database.db, {
      createTeam,
      listTeams,
      getTeam,
      teamsOfUser,
      addTeamMember,
      removeTeamMember,
    }),
    twoFactor: bindDatabase(database.db, {
      councilRequiresTwoFactor,
      setCouncilTwoFactorRequirement,
      twoFactorStatus,
      stageAfterPassword,
      startTwoFactorSetUp,
      confirmTwoFactorSetUp,
      checkTwoFactorCode,
      useRecoveryCode,
      turnOffTwoFactor,
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
