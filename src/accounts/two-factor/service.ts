import { and, count, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm'
import { recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ConflictError, ValidationError } from '../../errors.ts'
import { COUNCIL_ROLES } from '../roles.ts'
import { secretBoxOf } from '../secret-box.ts'
import { actorOf, type SessionUser } from '../service.ts'
import {
  matchingStep,
  newRecoveryCodes,
  newTotpSecret,
  normaliseTotpCode,
  otpauthUri,
  recoveryCodeHash,
  twoFactorRequired,
} from './rules.ts'
import { councilTwoFactorSettings, twoFactorRecoveryCodes, userTwoFactor } from './schema.ts'

/** What sign-in asks for after the password: nothing more, a code, or setting an authenticator up first. */
export type TwoFactorStage = 'none' | 'verify' | 'set-up'

/** A code's fate: taken, wrong, or right but already used in its window (a replay). */
export type CodeCheck = 'accepted' | 'wrong' | 'used'

export const ENTER_CODE = 'Enter the 6-digit code from your authenticator app'
export const WRONG_CODE = 'The code is not correct. Enter the code your authenticator app shows now'

/** The council's own choice, or null when it has made none and the service's default applies. */
export async function councilRequiresTwoFactor(db: Queryable, councilId: number): Promise<boolean | null> {
  const [row] = await db
    .select({ required: councilTwoFactorSettings.requiredForCouncilStaff })
    .from(councilTwoFactorSettings)
    .where(eq(councilTwoFactorSettings.councilId, councilId))
  return row?.required ?? null
}

export async function setCouncilTwoFactorRequirement(
  db: Database,
  admin: SessionUser,
  required: boolean,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(councilTwoFactorSettings)
      .values({ councilId: admin.councilId, requiredForCouncilStaff: required })
      .onConflictDoUpdate({
        target: councilTwoFactorSettings.councilId,
        set: { requiredForCouncilStaff: required, updatedAt: sql`now()` },
      })
    await recordAudit(tx, actorOf(admin), {
      councilId: admin.councilId,
      action: 'council.two_factor_requirement_changed',
      entityType: 'council',
      entityId: admin.councilId,
      details: { requiredForCouncilStaff: required, roles: COUNCIL_ROLES },
    })
  })
}

async function confirmedAuthenticator(db: Queryable, userId: number) {
  const [row] = await db
    .select()
    .from(userTwoFactor)
    .where(and(eq(userTwoFactor.userId, userId), isNotNull(userTwoFactor.confirmedAt)))
  return row
}

export interface TwoFactorStatus {
  enabled: boolean
  required: boolean
  recoveryCodesLeft: number
}

export async function twoFactorStatus(
  db: Queryable,
  user: SessionUser,
  productionDefault: boolean,
): Promise<TwoFactorStatus> {
  const [authenticator, councilRequires, [left]] = await Promise.all([
    confirmedAuthenticator(db, user.id),
    councilRequiresTwoFactor(db, user.councilId),
    db
      .select({ n: count() })
      .from(twoFactorRecoveryCodes)
      .where(and(eq(twoFactorRecoveryCodes.userId, user.id), isNull(twoFactorRecoveryCodes.usedAt))),
  ])
  return {
    enabled: Boolean(authenticator),
    required: twoFactorRequired(user.role, councilRequires, productionDefault),
    recoveryCodesLeft: left?.n ?? 0,
  }
}

export async function stageAfterPassword(
  db: Queryable,
  user: SessionUser,
  productionDefault: boolean,
): Promise<TwoFactorStage> {
  const status = await twoFactorStatus(db, user, productionDefault)
  if (status.enabled) return 'verify'
  return status.required ? 'set-up' : 'none'
}

/**
 * The secret being set up, for the QR code and to type in. The same one is shown until it is
 * confirmed, so reloading the page does not undo a scan already made.
 */
export async function startTwoFactorSetUp(
  db: Database,
  user: SessionUser,
): Promise<{ secret: string; otpauthUri: string }> {
  const box = await secretBoxOf(db)
  const [existing] = await db.select().from(userTwoFactor).where(eq(userTwoFactor.userId, user.id))
  if (existing?.confirmedAt) throw new ConflictError('Two-factor authentication is already set up')
  let secret = existing ? box.open(existing.secretEncrypted) : ''
  if (!existing) {
    const made = newTotpSecret()
    // Two tabs setting up at once keep whichever secret was stored first.
    await db
      .insert(userTwoFactor)
      .values({ userId: user.id, secretEncrypted: box.seal(made) })
      .onConflictDoNothing()
    const [stored] = await db.select().from(userTwoFactor).where(eq(userTwoFactor.userId, user.id))
    if (!stored) throw new Error('the two-factor secret could not be stored')
    secret = box.open(stored.secretEncrypted)
  }
  return { secret, otpauthUri: otpauthUri(secret, user.email, user.councilName) }
}

/**
 * Turns two-factor sign-in on once the person shows a code from their app, and gives them their
 * recovery codes: returned here once, and stored only as hashes.
 */
export async function confirmTwoFactorSetUp(
  db: Database,
  user: SessionUser,
  typedCode: string,
  now = Date.now(),
): Promise<string[]> {
  const code = normaliseTotpCode(typedCode)
  if (!code) throw new ValidationError([{ field: 'code', message: ENTER_CODE }])
  const box = await secretBoxOf(db)
  return db.transaction(async (tx) => {
    const [pending] = await tx
      .select()
      .from(userTwoFactor)
      .where(eq(userTwoFactor.userId, user.id))
      .for('update')
    if (!pending)
      throw new ValidationError([
        { field: 'code', message: 'Start setting up two-factor authentication again' },
      ])
    if (pending.confirmedAt) throw new ConflictError('Two-factor authentication is already set up')
    const step = matchingStep(box.open(pending.secretEncrypted), code, now)
    if (step === null) throw new ValidationError([{ field: 'code', message: WRONG_CODE }])
    await tx
      .update(userTwoFactor)
      .set({ confirmedAt: sql`now()`, lastUsedStep: step })
      .where(eq(userTwoFactor.userId, user.id))
    const codes = newRecoveryCodes()
    await tx.delete(twoFactorRecoveryCodes).where(eq(twoFactorRecoveryCodes.userId, user.id))
    await tx
      .insert(twoFactorRecoveryCodes)
      .values(codes.map((c) => ({ userId: user.id, codeHash: recoveryCodeHash(c) })))
    await recordAudit(tx, actorOf(user), {
      councilId: user.councilId,
      action: 'two_factor.set_up',
      entityType: 'user',
      entityId: user.id,
    })
    return codes
  })
}

async function auditFailure(db: Queryable, user: SessionUser, reason: string, ip: string) {
  await recordAudit(db, null, {
    councilId: user.councilId,
    action: 'two_factor.failed',
    entityType: 'user',
    entityId: user.id,
    details: { email: user.email, reason, ip },
  })
}

/**
 * Checks a code from the person's authenticator. A code is accepted once: the step it belongs to
 * must be later than the last one accepted, and the update that records it says so atomically,
 * so the same code sent twice at once is taken only once.
 */
export async function checkTwoFactorCode(
  db: Database,
  user: SessionUser,
  typedCode: string,
  context: { ip: string },
  now = Date.now(),
): Promise<CodeCheck> {
  const code = normaliseTotpCode(typedCode)
  const authenticator = await confirmedAuthenticator(db, user.id)
  const box = await secretBoxOf(db)
  const step = code && authenticator ? matchingStep(box.open(authenticator.secretEncrypted), code, now) : null
  if (step === null) {
    await auditFailure(db, user, 'wrong code', context.ip)
    return 'wrong'
  }
  const taken = await db
    .update(userTwoFactor)
    .set({ lastUsedStep: step })
    .where(
      and(
        eq(userTwoFactor.userId, user.id),
        or(isNull(userTwoFactor.lastUsedStep), lt(userTwoFactor.lastUsedStep, step)),
      ),
    )
    .returning({ userId: userTwoFactor.userId })
  if (taken.length === 0) {
    await auditFailure(db, user, 'code already used', context.ip)
    return 'used'
  }
  return 'accepted'
}

/** Uses up one recovery code; false when it is wrong or was used before. */
export async function useRecoveryCode(
  db: Database,
  user: SessionUser,
  typed: string,
  context: { ip: string },
): Promise<boolean> {
  const used = await db
    .update(twoFactorRecoveryCodes)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(twoFactorRecoveryCodes.userId, user.id),
        eq(twoFactorRecoveryCodes.codeHash, recoveryCodeHash(typed)),
        isNull(twoFactorRecoveryCodes.usedAt),
      ),
    )
    .returning({ id: twoFactorRecoveryCodes.id })
  if (used.length === 0) {
    await auditFailure(db, user, 'wrong recovery code', context.ip)
    return false
  }
  await recordAudit(db, actorOf(user), {
    councilId: user.councilId,
    action: 'two_factor.recovery_code_used',
    entityType: 'user',
    entityId: user.id,
    details: { ip: context.ip },
  })
  return true
}

const REQUIRED_BY_COUNCIL =
  'Your council requires two-factor authentication, so you cannot turn it off. If you have lost your authenticator app, ask your council’s Caremarket administrator to reset it'

/**
 * Turns a person's own two-factor sign-in off, when nothing requires it: they show a current code
 * from their app first, so a session left open on a shared computer is not enough.
 */
export async function turnOffTwoFactor(
  db: Database,
  user: SessionUser,
  typedCode: string,
  context: { ip: string; productionDefault: boolean },
  now = Date.now(),
): Promise<CodeCheck> {
  const status = await twoFactorStatus(db, user, context.productionDefault)
  if (!status.enabled) throw new ConflictError('Two-factor authentication is already off')
  if (status.required) throw new ConflictError(REQUIRED_BY_COUNCIL)
  const result = await checkTwoFactorCode(db, user, typedCode, context, now)
  if (result !== 'accepted') return result
  await db.transaction(async (tx) => {
    await tx.delete(twoFactorRecoveryCodes).where(eq(twoFactorRecoveryCodes.userId, user.id))
    await tx.delete(userTwoFactor).where(eq(userTwoFactor.userId, user.id))
    await recordAudit(tx, actorOf(user), {
      councilId: user.councilId,
      action: 'two_factor.turned_off',
      entityType: 'user',
      entityId: user.id,
      details: { ip: context.ip },
    })
  })
  return 'accepted'
}
