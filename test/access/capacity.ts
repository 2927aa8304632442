import type { AccessRule } from './types.ts'

export const capacityRules: AccessRule[] = []
