import { randomBytes } from 'node:crypto'
import { and, asc, eq, sql } from 'drizzle-orm'
import { z } from 'zod'
import { recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { ConflictError, ValidationError } from '../../errors.ts'
import { COUNCIL_ROLES, type Role } from '../roles.ts'
import { councils, users } from '../schema.ts'
import { secretBoxOf } from '../secret-box.ts'
import {
  type AccountsOptions,
  activeAccounts,
  actorOf,
  addUser,
  normaliseEmail,
  type SessionUser,
} from '../service.ts'
import type { IdentityClaims } from './oidc.ts'
import { domainAllowed, parseDomains, type SsoRefusal } from './rules.ts'
import { councilSsoSettings, userSsoIdentities } from './schema.ts'

/** A council's single sign-on settings as its admin page shows them: the client secret never. */
export interface SsoSettingsView {
  enabled: boolean
  providerName: string
  issuerUrl: string
  clientId: string
  allowedDomains: string[]
  justInTimeRole: Role | null
}

export async function getSsoSettings(db: Queryable, councilId: number): Promise<SsoSettingsView | null> {
  const [row] = await db.select().from(councilSsoSettings).where(eq(councilSsoSettings.councilId, councilId))
  if (!row) return null
  return {
    enabled: row.enabled,
    providerName: row.providerName,
    issuerUrl: row.issuerUrl,
    clientId: row.clientId,
    allowedDomains: row.allowedDomains,
    justInTimeRole: row.justInTimeRole as Role | null,
  }
}

/** The admin form's fields, as typed. */
export interface SsoSettingsInput {
  enabled: string
  providerName: string
  issuerUrl: string
  clientId: string
  /** Blank keeps the secret already saved. */
  clientSecret: string
  allowedDomains: string
  justInTime: string
  justInTimeRole: string
}

function settingsSchema(options: { allowHttp: boolean; hasSecret: boolean }) {
  return z
    .object({
      enabled: z.enum(['yes', 'no'], { message: 'Select whether single sign-on is on' }),
      providerName: z
        .string()
        .trim()
        .min(1, 'Enter the name people know your identity provider by, like Norfolk staff account')
        .max(60, 'The identity provider’s name must be 60 characters or fewer'),
      issuerUrl: z
        .string()
        .trim()
        .min(1, 'Enter the issuer URL')
        .refine((value) => {
          const url = URL.parse(value)
          return (
            url !== null && (url.protocol === 'https:' || (options.allowHttp && url.protocol === 'http:'))
          )
        }, 'Enter the issuer URL as an https address, like https://login.microsoftonline.com/your-tenant-id/v2.0'),
      clientId: z
        .string()
        .trim()
        .min(1, 'Enter the client ID')
        .max(200, 'The client ID must be 200 characters or fewer'),
      clientSecret: z
        .string()
        .trim()
        .max(500, 'The client secret must be 500 characters or fewer')
        .refine((value) => value !== '' || options.hasSecret, 'Enter the client secret'),
      allowedDomains: z.string().superRefine((typed, ctx) => {
        const { domains, invalid } = parseDomains(typed)
        if (invalid.length > 0)
          ctx.addIssue({
            code: 'custom',
            message: `${invalid.join(', ')} ${invalid.length === 1 ? 'is not a domain' : 'are not domains'}: enter domains like norfolk.gov.uk`,
          })
        else if (domains.length === 0)
          ctx.addIssue({ code: 'custom', message: 'Enter at least one email domain, like norfolk.gov.uk' })
      }),
      justInTime: z.enum(['yes', 'no'], {
        message: 'Select whether Caremarket makes accounts on first sign-in',
      }),
      justInTimeRole: z.string(),
    })
    .superRefine((value, ctx) => {
      if (value.justInTime === 'yes' && !(COUNCIL_ROLES as readonly string[]).includes(value.justInTimeRole))
        ctx.addIssue({
          code: 'custom',
          path: ['justInTimeRole'],
          message: 'Select the role new accounts are given',
        })
    })
}

export async function saveSsoSettings(
  db: Database,
  admin: SessionUser,
  input: SsoSettingsInput,
  options: { allowHttp: boolean },
): Promise<void> {
  const existing = await getSsoSettings(db, admin.councilId)
  const parsed = settingsSchema({ ...options, hasSecret: existing !== null }).safeParse(input)
  if (!parsed.success) throw ValidationError.fromZod(parsed.error)
  const value = parsed.data
  const box = await secretBoxOf(db)
  const row = {
    enabled: value.enabled === 'yes',
    providerName: value.providerName,
    issuerUrl: value.issuerUrl.replace(/\/+$/, ''),
    clientId: value.clientId,
    allowedDomains: parseDomains(value.allowedDomains).domains,
    justInTimeRole: value.justInTime === 'yes' ? value.justInTimeRole : null,
  }
  const sealed = value.clientSecret ? box.seal(value.clientSecret) : null
  await db.transaction(async (tx) => {
    // Saved at once by two admins: the later one wins, never an error.
    if (sealed)
      await tx
        .insert(councilSsoSettings)
        .values({ councilId: admin.councilId, ...row, clientSecretEncrypted: sealed })
        .onConflictDoUpdate({
          target: councilSsoSettings.councilId,
          set: { ...row, clientSecretEncrypted: sealed, updatedAt: sql`now()` },
        })
    else
      await tx
        .update(councilSsoSettings)
        .set({ ...row, updatedAt: sql`now()` })
        .where(eq(councilSsoSettings.councilId, admin.councilId))
    await recordAudit(tx, actorOf(admin), {
      councilId: admin.councilId,
      action: 'council.single_sign_on_changed',
      entityType: 'council',
      entityId: admin.councilId,
      // Never the secret: only whether it changed.
      details: { ...row, clientSecretChanged: Boolean(value.clientSecret) },
    })
  })
}

/** The "Sign in with …" buttons: every council whose single sign-on is on. */
export async function ssoSignInChoices(
  db: Queryable,
): Promise<{ councilCode: string; providerName: string }[]> {
  return db
    .select({ councilCode: councils.code, providerName: councilSsoSettings.providerName })
    .from(councilSsoSettings)
    .innerJoin(councils, eq(councils.id, councilSsoSettings.councilId))
    .where(eq(councilSsoSettings.enabled, true))
    .orderBy(asc(councils.name))
}

/** What signing in through a council's identity provider needs, the client secret opened. */
export interface SsoClient {
  councilId: number
  councilCode: string
  councilName: string
  providerName: string
  issuerUrl: string
  clientId: string
  clientSecret: string
  allowedDomains: string[]
  justInTimeRole: Role | null
}

/** A council's single sign-on when it is on, else null. */
export async function ssoClientFor(db: Database, councilCode: string): Promise<SsoClient | null> {
  const [row] = await db
    .select({ settings: councilSsoSettings, council: councils })
    .from(councilSsoSettings)
    .innerJoin(councils, eq(councils.id, councilSsoSettings.councilId))
    .where(and(eq(councils.code, councilCode.toUpperCase()), eq(councilSsoSettings.enabled, true)))
  if (!row) return null
  const box = await secretBoxOf(db)
  return {
    councilId: row.council.id,
    councilCode: row.council.code,
    councilName: row.council.name,
    providerName: row.settings.providerName,
    issuerUrl: row.settings.issuerUrl,
    clientId: row.settings.clientId,
    clientSecret: box.open(row.settings.clientSecretEncrypted),
    allowedDomains: row.settings.allowedDomains,
    justInTimeRole: row.settings.justInTimeRole as Role | null,
  }
}

/** Single sign-on did not sign the person in, for this reason. */
export class SsoRefused extends Error {
  constructor(
    readonly refusal: SsoRefusal,
    readonly email?: string,
  ) {
    super(`single sign-on refused: ${refusal}`)
  }
}

export async function recordSsoRefusal(
  db: Queryable,
  client: SsoClient,
  refusal: SsoRefusal,
  details: { ip: string; email?: string; userId?: number },
): Promise<void> {
  await recordAudit(db, null, {
    councilId: client.councilId,
    action: 'sign_in.failed',
    ...(details.userId ? { entityType: 'user', entityId: details.userId } : {}),
    details: { method: 'single sign-on', reason: refusal, ip: details.ip, email: details.email },
  })
}

const jitActor = { kind: 'system', label: 'single sign-on' } as const

async function userByEmail(db: Queryable, councilId: number, email: string): Promise<number | undefined> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.councilId, councilId), eq(users.email, email)))
  return row?.id
}

/**
 * The account a verified identity signs in to. The email must be verified by the provider and in
 * one of the council's domains, every time. The first time, the account is found by that email
 * (or made, when the council allows it) and the provider's subject is stored with it; after that
 * the subject finds it, so a changed email address still reaches the same account. A disabled
 * account is refused here as at password sign-in.
 */
export async function signInWithSso(
  db: Database,
  client: SsoClient,
  claims: IdentityClaims,
  context: { ip: string },
  options: AccountsOptions = {},
): Promise<SessionUser> {
  const email = typeof claims.email === 'string' ? normaliseEmail(claims.email) : ''
  const refuse = async (refusal: SsoRefusal, userId?: number): Promise<never> => {
    await recordSsoRefusal(db, client, refusal, { ip: context.ip, email: email || undefined, userId })
    throw new SsoRefused(refusal, email)
  }
  if (!email) return refuse('no-email')
  if (claims.email_verified !== true) return refuse('unverified-email')
  if (!domainAllowed(email, client.allowedDomains)) return refuse('domain-not-allowed')

  const [linked] = await db
    .select({ userId: userSsoIdentities.userId })
    .from(userSsoIdentities)
    .where(
      and(
        eq(userSsoIdentities.councilId, client.councilId),
        eq(userSsoIdentities.issuer, claims.iss),
        eq(userSsoIdentities.subject, claims.sub),
      ),
    )
  let userId = linked?.userId ?? (await userByEmail(db, client.councilId, email))
  if (userId === undefined) {
    if (!client.justInTimeRole) return refuse('unknown-user')
    try {
      // A password no one knows: this account signs in through the identity provider.
      const created = await addUser(
        db,
        client.councilId,
        { email, role: client.justInTimeRole, password: randomBytes(32).toString('base64url') },
        jitActor,
        options,
      )
      userId = created.id
    } catch (error) {
      // Two first sign-ins at once: the other made the account.
      if (!(error instanceof ConflictError)) throw error
      userId = await userByEmail(db, client.councilId, email)
      if (userId === undefined) throw error
    }
  }
  const [user] = await activeAccounts(db, [userId])
  if (!user) return refuse('disabled', userId)
  if (user.role === 'provider_user') return refuse('provider-user', userId)
  if (!linked) {
    const [other] = await db
      .select({ subject: userSsoIdentities.subject })
      .from(userSsoIdentities)
      .where(and(eq(userSsoIdentities.userId, user.id), eq(userSsoIdentities.issuer, claims.iss)))
    if (other && other.subject !== claims.sub) return refuse('other-identity', user.id)
    if (!other) {
      const stored = await db
        .insert(userSsoIdentities)
        .values({ councilId: client.councilId, userId: user.id, issuer: claims.iss, subject: claims.sub })
        .onConflictDoNothing()
        .returning({ userId: userSsoIdentities.userId })
      // The subject was linked to someone else in between: their account, not this one.
      if (stored.length === 0) return refuse('other-identity', user.id)
      await recordAudit(db, jitActor, {
        councilId: client.councilId,
        action: 'user.single_sign_on_linked',
        entityType: 'user',
        entityId: user.id,
        details: { issuer: claims.iss, subject: claims.sub },
      })
    }
  }
  return user
}
