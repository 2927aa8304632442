// What the requests API answers with, as Zod schemas: /openapi.json documents them and tests hold
// the answers to them.
import { z } from 'zod'
import { pagedSchema } from '../../web/paging.ts'
import { REQUEST_SERVICE_TYPES, REQUEST_STATUSES } from '../rules/index.ts'
import { CARER_GENDER_CHOICES, DAYS_OF_WEEK, SEXES, URGENCIES } from './input.ts'

const instant = z.iso.datetime()
const day = z.iso.date()
const status = z.enum(REQUEST_STATUSES)

const requestVisitSchema = z.object({
  id: z.int(),
  days: z.array(z.enum(DAYS_OF_WEEK)),
  windowStart: z.string().describe('HH:MM'),
  windowEnd: z.string().describe('HH:MM'),
  durationMinutes: z.int(),
  carers: z.int(),
})

export const sourcingRequestSchema = z.object({
  id: z.int(),
  councilId: z.int(),
  status,
  version: z
    .int()
    .describe(
      'Bumped on every change of status; give it back to make a change only if nothing changed since',
    ),
  createdByUserId: z.int().nullable(),
  teamId: z.int().nullable().describe('The team whose caseload the request is; null for none'),
  person: z.object({
    id: z.int(),
    name: z.string(),
    dateOfBirth: day,
    sex: z.enum(SEXES).nullable(),
    postcode: z.string(),
    outcode: z.string(),
    localityId: z.int().nullable(),
    pcnAreaId: z.int().nullable(),
    nhsNumber: z.string().nullable(),
    address: z
      .object({ line1: z.string(), line2: z.string().nullable(), town: z.string() })
      .nullable()
      .describe('The person’s home address (its postcode is `postcode`); kept from providers until award'),
    phone: z.string().nullable().describe('The person’s phone number; kept from providers until award'),
    representative: z
      .object({
        name: z.string(),
        relationship: z.string(),
        phone: z.string().nullable(),
        email: z.string().nullable(),
      })
      .nullable()
      .describe('Their representative or next of kin; kept from providers until award'),
    sharingConsent: z
      .array(z.enum(['address', 'phone', 'representative']))
      .describe('What the person agreed the awarded provider may be given'),
  }),
  serviceType: z.enum(REQUEST_SERVICE_TYPES).nullable().describe('Null only in a draft not yet answered'),
  clientGroup: z.string().nullable(),
  specialisms: z.array(z.string()),
  needsSummary: z.string().nullable(),
  preferredPostcode: z.string().nullable().describe('Where distance is measured from'),
  preferredOutcode: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  maxDistanceMiles: z.number(),
  startDate: day.nullable(),
  urgency: z.enum(URGENCIES),
  emergencyHours: z.union([z.literal(24), z.literal(48)]).nullable(),
  inHospital: z.boolean(),
  usualPricePence: z.int().nullable(),
  budgetPence: z.int().nullable(),
  priceUnit: z.enum(['weekly', 'hourly', 'daily']).nullable(),
  notesForProviders: z.string(),
  carerGender: z.enum(CARER_GENDER_CHOICES).nullable(),
  language: z.string().nullable(),
  lotId: z.int().nullable(),
  visits: z.array(requestVisitSchema),
  minutesPerWeek: z
    .int()
    .describe('Minutes a week the person is visited in the visit pattern (home care; 0 otherwise)'),
  carerMinutesPerWeek: z
    .int()
    .describe(
      'Care-worker minutes a week, the hours of care the council commissions and counts: visits needing two carers count twice',
    ),
  supportMinutesPerWeek: z
    .int()
    .nullable()
    .describe('Supported living: the hours of support a week, in minutes; null for other service types'),
  publishedAt: instant.nullable(),
  deadlineAt: instant.nullable(),
  closedAt: instant.nullable(),
  cancelReason: z.string().nullable(),
  personRef: z.string().nullable().describe('The person’s ID in the council’s case system'),
  caseRef: z.string().nullable().describe('The case or service agreement ID in the council’s case system'),
  assignedBrokerId: z.int().nullable().describe('The broker looking after it (user ID); null if nobody yet'),
  assignedAt: instant.nullable().describe('When it was last assigned'),
  createdAt: instant,
  updatedAt: instant,
})

export const requestEventSchema = z.object({
  id: z.int(),
  fromStatus: status.nullable(),
  toStatus: status,
  reason: z.string().nullable(),
  actor: z.string(),
  at: instant,
})

export const requestListSchema = pagedSchema(
  'requests',
  z.object({
    id: z.int(),
    status,
    serviceType: z.enum(REQUEST_SERVICE_TYPES).nullable(),
    personName: z.string(),
    outcode: z.string(),
    startDate: day.nullable(),
    urgency: z.enum(URGENCIES),
    inHospital: z.boolean(),
    createdByUserId: z.int().nullable(),
    teamId: z.int().nullable(),
    personRef: z.string().nullable(),
    caseRef: z.string().nullable(),
    assignedBrokerId: z.int().nullable(),
    assignedBrokerEmail: z.string().nullable().describe('The assigned broker’s email address'),
    publishedAt: instant.nullable(),
    deadlineAt: instant.nullable(),
    createdAt: instant,
    updatedAt: instant,
  }),
)

const exclusionsSchema = z
  .array(z.object({ code: z.string(), label: z.string(), count: z.int() }))
  .describe(
    'Why the locations not invited are not: each counted once, by its first reason; most common first',
  )

export const invitationPreviewSchema = z.object({
  invited: z.int().describe('Locations publishing now would invite'),
  notInvited: z.int(),
  exclusions: exclusionsSchema,
})

export const publishedSchema = z.object({
  request: sourcingRequestSchema,
  round: z.int().describe('1 when first published, then one more each time it is published again'),
  deadlineAt: instant,
  window: z.object({
    kind: z.string(),
    hours: z.number().nullable(),
    workingDays: z.int().nullable(),
    explanation: z.string(),
    closesAfterStart: z.boolean(),
  }),
  invitations: z.object({
    round: z.int(),
    invited: z.int(),
    excluded: z.int(),
    exclusions: exclusionsSchema,
    invitedLocationIds: z.array(z.int()).describe('The locations invited'),
    decidedInFull: z.int(),
    organisationsNotified: z.int(),
    emails: z.int(),
  }),
})

export const changedSchema = z.object({
  request: sourcingRequestSchema,
  changes: z.array(z.string()).describe('What changed, in words'),
  eligibility: z
    .object({ round: z.int(), newlyInvited: z.int(), noLongerInvited: z.int() })
    .nullable()
    .describe('For a published request: the new round, who it newly invites and who it no longer does'),
})
