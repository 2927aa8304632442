// What the market events API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'

export const marketEventsListSchema = z.looseObject({})
