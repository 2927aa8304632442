import type { AccessRule } from './types.ts'

export const notificationsRules: AccessRule[] = []
