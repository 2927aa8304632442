import type { AccessRule } from './types.ts'

export const offersRules: AccessRule[] = []
