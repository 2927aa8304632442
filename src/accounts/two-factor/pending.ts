import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'

/** How long a person has to enter a code, or to set an authenticator up, after their password. */
const PENDING_MINUTES = 10

/**
 * A sign-in whose password (and council) passed and which waits for a second factor. It travels
 * in a signed cookie: it names the account and where to go next, nothing secret, and cannot be
 * altered. It proves only that the password was right; the code is still needed.
 */
export interface PendingSignIn {
  userId: number
  returnTo: string
  stage: 'verify' | 'set-up'
  expiresAt: number
}

const pendingSchema = z.object({
  userId: z.number().int().positive(),
  returnTo: z.string(),
  stage: z.enum(['verify', 'set-up']),
  expiresAt: z.number(),
})

function encodePendingSignIn(value: Omit<PendingSignIn, 'expiresAt'>, now = Date.now()): string {
  const pending: PendingSignIn = { ...value, expiresAt: now + PENDING_MINUTES * 60_000 }
  return Buffer.from(JSON.stringify(pending)).toString('base64url')
}

function decodePendingSignIn(value: string, now = Date.now()): PendingSignIn | null {
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  const parsed = pendingSchema.safeParse(json)
  if (!parsed.success || parsed.data.expiresAt <= now) return null
  return parsed.data
}

/** The pending sign-in in the request's cookie, when its signature holds and it has not expired. */
export function readPendingSignIn(request: FastifyRequest, cookie: string): PendingSignIn | null {
  const raw = request.cookies[cookie]
  const unsigned = raw ? request.unsignCookie(raw) : null
  return unsigned?.valid && unsigned.value ? decodePendingSignIn(unsigned.value) : null
}

/** Sends the person on to the second factor: entering a code, or setting an authenticator up. */
export function handOffToTwoFactor(
  reply: FastifyReply,
  cookie: { name: string; options: Record<string, unknown> },
  pending: Omit<PendingSignIn, 'expiresAt'>,
) {
  reply.setCookie(cookie.name, encodePendingSignIn(pending), {
    ...cookie.options,
    signed: true,
    maxAge: PENDING_MINUTES * 60,
  })
  return reply.redirect(
    pending.stage === 'verify' ? '/sign-in/two-factor' : '/sign-in/two-factor/set-up',
    303,
  )
}
