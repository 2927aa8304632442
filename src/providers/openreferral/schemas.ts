// What the Open Referral UK feed answers with, as Zod schemas: /openapi.json documents them. The
// standard's own JSON Schemas (HSDS 3.0 with the UK profile) are what tests hold the answers to.
import { z } from 'zod'

const id = z.uuid()

export const feedParams = z.object({ code: z.string().describe('The council’s code') })
/** Any text is looked up, so an id that is not one of the feed's is a 404 like any unknown id. */
export const feedItemParams = feedParams.extend({ id: z.string().describe('A UUID from the feed') })

const page = <T extends z.ZodType>(item: T) =>
  z.object({
    total_items: z.int(),
    total_pages: z.int(),
    page_number: z.int(),
    size: z.int().describe('How many are on this page'),
    first_page: z.boolean(),
    last_page: z.boolean(),
    empty: z.boolean().describe('Whether this page has none'),
    contents: z.array(item),
  })

export const feedRootSchema = z
  .object({ version: z.string(), profile: z.url(), openapi_url: z.url() })
  .describe('Which version of Open Referral UK the feed follows')

export const taxonomyTermSchema = z.object({
  id,
  term: z.string(),
  name: z.string(),
  description: z.string(),
  taxonomy: z.string(),
  taxonomy_id: id,
})

export const taxonomySchema = z.object({
  id,
  name: z.string(),
  description: z.string(),
  version: z.string(),
  taxonomy_terms: z.array(taxonomyTermSchema),
})

const serviceSummarySchema = z.object({
  id,
  organization_id: id,
  name: z.string().describe('The CQC location’s name'),
  description: z.string().describe('Its service types and CQC rating'),
  url: z.url().describe('Its page on the CQC website'),
  status: z.literal('active'),
  last_modified: z.iso.datetime(),
})

const addressSchema = z.object({
  id,
  location_id: id,
  address_1: z.string(),
  city: z.string(),
  state_province: z.string(),
  postal_code: z.string(),
  country: z.string(),
  address_type: z.literal('physical'),
})

const locationSchema = z.object({
  id,
  location_type: z.literal('physical'),
  name: z.string(),
  external_identifier: z.string().describe('The CQC location ID'),
  external_identifier_type: z.string(),
  latitude: z.number().optional().describe('Left out when only the postcode district is known'),
  longitude: z.number().optional(),
  addresses: z.array(addressSchema),
})

export const fullServiceSchema = serviceSummarySchema
  .extend({
    organization: z.object({
      id,
      name: z.string(),
      description: z.string(),
      uri: z.url(),
      organization_identifiers: z.array(
        z.object({
          id,
          organization_id: id,
          identifier_scheme: z.string(),
          identifier_type: z.string(),
          identifier: z.string().describe('The CQC provider ID'),
        }),
      ),
    }),
    service_at_locations: z.array(
      z.object({ id, service_id: id, location_id: id, location: locationSchema }),
    ),
    attributes: z.array(
      z.object({
        id,
        link_id: id,
        link_type: z.string(),
        taxonomy_term_id: id,
        taxonomy_term: taxonomyTermSchema,
      }),
    ),
    contacts: z.array(z.never()).describe('Always empty: the register’s contacts are people'),
  })
  .describe('A service in full, as Open Referral UK 3.0 gives it')

export const serviceListSchema = page(serviceSummarySchema).describe('A page of services')
export const taxonomyListSchema = page(taxonomySchema)
export const taxonomyTermListSchema = page(taxonomyTermSchema)
