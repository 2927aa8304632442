import type { AccessRule } from './types.ts'

export const requestsRules: AccessRule[] = []
