import type { AccessRule } from './types.ts'

export const qualityRules: AccessRule[] = []
