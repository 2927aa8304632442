// What the profile API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'

const workerAnswer = z.enum(['yes', 'no', 'not_stated'])

export const profileSchema = z.object({
  profile: z.object({
    locationId: z.int(),
    cqcLocationId: z.string(),
    name: z.string(),
    serviceTypes: z.array(z.string()),
    coverage: z.array(z.string()).describe('Postcode districts its home care covers'),
    specialisms: z.array(z.string()),
    languages: z.array(z.string()),
    maleCareWorkers: workerAnswer,
    femaleCareWorkers: workerAnswer,
    updatedAt: z.iso.datetime(),
  }),
})
