import { z } from 'zod'

/** How long a person has to choose a council after their password opened accounts in several. */
export const COUNCIL_CHOICE_MINUTES = 5

/**
 * The accounts a password has just opened, waiting for the person to choose one. It travels in a
 * signed cookie, so it holds nothing the person does not already know, and it cannot be altered.
 */
export interface CouncilChoice {
  userIds: number[]
  returnTo: string
  expiresAt: number
}

const choiceSchema = z.object({
  userIds: z.array(z.number().int().positive()).min(1),
  returnTo: z.string(),
  expiresAt: z.number(),
})

export function encodeCouncilChoice(userIds: number[], returnTo: string, now = Date.now()): string {
  const choice: CouncilChoice = { userIds, returnTo, expiresAt: now + COUNCIL_CHOICE_MINUTES * 60_000 }
  return Buffer.from(JSON.stringify(choice)).toString('base64url')
}

/** The choice in a cookie whose signature has been checked, or null when it is malformed or too old. */
export function decodeCouncilChoice(value: string, now = Date.now()): CouncilChoice | null {
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  const parsed = choiceSchema.safeParse(json)
  if (!parsed.success || parsed.data.expiresAt <= now) return null
  return parsed.data
}
