// What the register's API answers with, as Zod schemas: /openapi.json documents them.
import { z } from 'zod'
import { pagedSchema } from '../web/paging.ts'

const instant = z.iso.datetime()
const day = z.iso.date()

const locationSchema = z.object({
  id: z.int(),
  councilId: z.int(),
  providerOrganisationId: z.int(),
  providerName: z.string(),
  cqcLocationId: z.string(),
  name: z.string(),
  address: z.string(),
  postcode: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  registeredBeds: z.int().nullable(),
  serviceTypes: z.array(z.string()),
  specialisms: z.array(z.string()),
  clientGroups: z.array(z.string()),
  cqcRating: z.string().nullable(),
  cqcRatingDate: day.nullable(),
  localityId: z.int().nullable(),
  pcnAreaId: z.int().nullable(),
  geoSource: z.string().nullable(),
  languages: z.array(z.string()),
  maleCareWorkers: z.boolean().nullable(),
  femaleCareWorkers: z.boolean().nullable(),
  regulator: z
    .enum(['cqc', 'council'])
    .describe('cqc: from CQC’s register; council: accredited by the council itself'),
  accreditedKind: z.enum(['day_opportunities', 'micro_provider', 'community_group']).nullable(),
  active: z.boolean(),
  deactivatedAt: instant.nullable(),
  createdAt: instant,
  updatedAt: instant,
})

export const locationListSchema = pagedSchema(
  'locations',
  locationSchema.extend({
    accreditedTo: day.nullable().describe('Council-accredited: the last day of its latest accreditation'),
  }),
)

export const oneLocationSchema = z.object({ location: locationSchema.extend({ cqcProviderId: z.string() }) })
