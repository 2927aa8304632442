// Every domain's tables, and the reporting views domains provide to others, gathered for Drizzle
// and drizzle-kit. Each domain owns its own schema file; no domain's code imports this one (tests
// may, to build their fixtures across domains). .dependency-cruiser.cjs holds both to it.
export * from '../accounts/schema.ts'
export * from '../accounts/sso/schema.ts'
export * from '../accounts/two-factor/schema.ts'
export * from '../audit/schema.ts'
export * from '../brokerage/reporting/views.ts'
export * from '../brokerage/schema.ts'
export * from '../demo/schema.ts'
export * from '../fees/costs/schema.ts'
export * from '../fees/rates/schema.ts'
export * from '../fees/uplifts/schema.ts'
export * from '../geography/schema.ts'
export * from '../market/schema.ts'
export * from '../notifications/schema.ts'
export * from '../providers/reporting/views.ts'
export * from '../providers/schema.ts'
export * from '../webhooks/schema.ts'
