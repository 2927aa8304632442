// What the insights API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'

export const insightsReportSchema = z.looseObject({})
