import type { AccessRule } from './types.ts'

export const profileRules: AccessRule[] = []
