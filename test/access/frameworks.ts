import type { AccessRule } from './types.ts'

export const frameworksRules: AccessRule[] = []
