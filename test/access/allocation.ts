import type { AccessRule } from './types.ts'

export const allocationRules: AccessRule[] = [
  { route: 'GET /allocation', allowed: ['broker'] },
  // An empty confirmation is refused with a 400 on the page, never a 5xx.
  { route: 'POST /allocation', allowed: ['broker'] },
]
