// Every domain's tables, gathered for Drizzle and drizzle-kit. Each domain owns its own schema file.
export * from '../accounts/schema.ts'
export * from '../audit/schema.ts'
export * from '../brokerage/schema.ts'
export * from '../geography/schema.ts'
export * from '../market/schema.ts'
export * from '../notifications/schema.ts'
export * from '../providers/schema.ts'
