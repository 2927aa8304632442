import type { AccessRule } from './types.ts'

export const marketRules: AccessRule[] = [
  { route: 'GET /icl', allowed: ['broker', 'commissioner', 'council_admin'] },
  { route: 'GET /icl.csv', allowed: ['broker', 'commissioner', 'council_admin'] },
]
