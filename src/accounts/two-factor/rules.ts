import { createHash, randomInt } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'
import type { Role } from '../roles.ts'

// RFC 6238 as every authenticator app reads it: SHA-1, six digits, 30-second steps.
const PERIOD_SECONDS = 30
const DIGITS = 6

/** A new random TOTP secret (160 bits, as RFC 4226 recommends), as base32 for people and apps. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

function totp(secret: string, label = 'Caremarket', issuer = 'Caremarket'): TOTP {
  return new TOTP({
    issuer,
    label,
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
  })
}

/** The otpauth:// address an authenticator app reads from the QR code. */
export function otpauthUri(secret: string, email: string, councilName: string): string {
  return totp(secret, email, `Caremarket ${councilName}`).toString()
}

/** The secret in groups of four, as people type it into an app that cannot scan. */
export function groupedSecret(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret
}

/** A code as typed, without the spaces and dashes people add; '' when it is not six digits. */
export function normaliseTotpCode(typed: string): string {
  const code = typed.replace(/[\s-]/g, '')
  return /^\d{6}$/.test(code) ? code : ''
}

/**
 * The 30-second step a code belongs to, or null when it matches none. The step before and after
 * now are accepted too, for clocks that differ and codes typed as they change.
 */
export function matchingStep(secret: string, code: string, now: number): number | null {
  const generator = totp(secret)
  const delta = generator.validate({ token: code, timestamp: now, window: 1 })
  return delta === null ? null : generator.counter({ timestamp: now }) + delta
}

/** The code for a step: what an authenticator app shows, for tests and the browser test. */
export function codeAt(secret: string, now: number): string {
  return totp(secret).generate({ timestamp: now })
}

export const RECOVERY_CODE_COUNT = 10
// No 0/o, 1/l/i: codes are read off paper. 31 symbols, 10 of them: about 50 bits each.
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
const RECOVERY_LENGTH = 10

/** A set of new one-time recovery codes, written as two groups of five. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from(
      { length: RECOVERY_LENGTH },
      () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
    )
    return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`
  })
}

/**
 * What is stored of a recovery code: the SHA-256 of its letters, in any case and grouping. Codes
 * are random and long enough that a fast hash is safe, and the same code always finds its row.
 */
export function recoveryCodeHash(typed: string): string {
  return createHash('sha256').update(typed.toLowerCase().replace(/[\s-]/g, '')).digest('hex')
}

/**
 * Whether a user must have two-factor sign-in: council staff when their council requires it (or,
 * when it has not said, when the service runs in production); provider users only choose it.
 */
export function twoFactorRequired(
  role: Role,
  councilRequires: boolean | null,
  productionDefault: boolean,
): boolean {
  if (role === 'provider_user') return false
  return councilRequires ?? productionDefault
}
