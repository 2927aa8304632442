// The pure rules of brokerage: no database, no I/O. The brokerage service assembles plain data
// from the register and calls these.
export * from './deadlines.ts'
export * from './eligibility.ts'
export * from './hours.ts'
export * from './lifecycle.ts'
export * from './scoring.ts'
export * from './settings.ts'
export * from './vocabulary.ts'
