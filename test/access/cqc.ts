import type { AccessRule } from './types.ts'

export const cqcRules: AccessRule[] = []
