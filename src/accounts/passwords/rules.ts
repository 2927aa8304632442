// What a password must be, after the NCSC's advice: long enough, not one of the passwords attackers
// try first, and no rules about which kinds of character it holds (they make passwords worse).
import { dictionary } from '@zxcvbn-ts/language-common'

export const MIN_PASSWORD_LENGTH = 12
const MAX_PASSWORD_LENGTH = 256

/** An invitation gives the person a week to set their password; a reset link an hour. */
export const LINK_LIFETIME_MS = { invitation: 7 * 24 * 3_600_000, reset: 3_600_000 } as const
export type PasswordLinkPurpose = keyof typeof LINK_LIFETIME_MS

/** Reset links one account may be sent in an hour; further requests send nothing. */
export const RESET_LINKS_PER_ACCOUNT_PER_HOUR = 3
/** Forgotten-password requests one client address may make in an hour. */
export const RESET_REQUESTS_PER_ADDRESS_PER_HOUR = 10

export const TOO_COMMON =
  'This password is one of the most common and would be easy to guess. Choose a different one, for example three random words'

// About 50,000 passwords seen most often in breaches, ranked; read once, when first needed.
let common: Set<string> | undefined

function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common'] as string[])
  return common
}

/**
 * Whether a password is common: on the list in any case, or a listed one with only digits or
 * symbols added at the end ("sunshine2024!"), or nothing but digits and symbols.
 */
export function isCommonPassword(password: string): boolean {
  const lower = password.toLowerCase()
  const core = lower.replace(/[\p{N}\p{P}\p{S}\s]+$/u, '')
  return core === '' || commonPasswords().has(lower) || commonPasswords().has(core)
}

/** What is wrong with a new password, or null when it will do. */
export function passwordProblem(password: string): string | null {
  if (password.length === 0) return 'Enter a password'
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return `Password must be ${MIN_PASSWORD_LENGTH} characters or more`
  if (password.length > MAX_PASSWORD_LENGTH)
    return `Password must be ${MAX_PASSWORD_LENGTH} characters or fewer`
  if (isCommonPassword(password)) return TOO_COMMON
  return null
}
