import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { COUNCIL_STAFF } from '../../web/access.ts'
import { operation } from '../../web/api-schema.ts'
import { chartMarkup } from '../../web/charts.ts'
import { field, formErrors } from '../../web/forms.ts'
import { acceptUploads } from '../../web/input.ts'
import type { Capability } from '../../web/navigation.ts'
import type { OrganisationScope } from '../profile/service.ts'
import type { ProvidersServices } from '../services.ts'
import { availabilityByBedTypeChart, availabilityByLocalityChart } from './charts.ts'
import {
  BED_COLUMNS,
  bedTemplate,
  HOME_CARE_COLUMNS,
  homeCareTemplate,
  MAX_CSV_BYTES,
  MAX_CSV_ROWS,
  readCapacityFile,
} from './csv.ts'
import { bedTypeLabel, MAX_SPARE_HOURS_PER_WEEK, minutesToHours, STALE_AFTER_DAYS } from './rules.ts'
import { capacityReportedSchema, capacitySummarySchema, providerCapacitySchema } from './schemas.ts'
import type { CapacityInput, LocationCapacity } from './service.ts'

/** Pages this domain offers, for the navigation and each role's home page. */
export const capacityCapabilities: Capability[] = [
  {
    href: '/provider/capacity',
    label: 'Update capacity',
    description:
      'Tell the council your vacancies by bed type, your spare home care hours and your day services’ spare places, for all your locations at once, or by uploading a CSV file.',
    roles: ['provider_user'],
  },
  {
    href: '/capacity',
    section: 'providers',
    label: 'Vacancies',
    description:
      'See the share of care home beds available by bed type and locality, spare home care hours, and how many providers reported in the last 7 days.',
    roles: COUNCIL_STAFF,
  },
]

function scopeOf(user: SessionUser): OrganisationScope {
  return { councilId: user.councilId, providerOrganisationId: user.providerOrganisationId as number }
}

const BED_FIELD = /^beds-(\d{1,10})-([a-z_]{1,40})$/
const HOURS_FIELD = /^hours-(\d{1,10})-([A-Z0-9]{2,4})$/
const PLACES_FIELD = /^places-(\d{1,10})$/

/** The figures filled in on the one-page form; blank fields are left as they were. */
function formRows(body: unknown): CapacityInput[] {
  const rows: CapacityInput[] = []
  for (const [name, raw] of Object.entries((body as Record<string, unknown> | null) ?? {})) {
    const value = typeof raw === 'string' ? raw.trim() : ''
    if (value === '') continue
    const beds = BED_FIELD.exec(name)
    if (beds) rows.push({ field: name, locationId: Number(beds[1]), bedType: beds[2], vacancies: value })
    const hours = HOURS_FIELD.exec(name)
    if (hours)
      rows.push({ field: name, locationId: Number(hours[1]), outcode: hours[2], spareHoursPerWeek: value })
    const places = PLACES_FIELD.exec(name)
    if (places) rows.push({ field: name, locationId: Number(places[1]), placesPerDay: value })
  }
  return rows
}

const FRESHNESS_TAGS = {
  current: { text: 'Up to date', classes: 'govuk-tag--green' },
  stale: { text: 'Stale', classes: 'govuk-tag--orange' },
  missing: { text: 'Not reported', classes: 'govuk-tag--grey' },
} as const

/** Each location as the form shows it: its inputs, filled with what was entered or the latest figures. */
function formLocations(
  capacity: LocationCapacity[],
  entered: Record<string, string> | null,
  errors: FieldError[],
) {
  const errorFor = (id: string) => errors.find((e) => e.field === id)?.message
  return capacity.map((l) => {
    const bedInputs = l.bedTypes.map((bedType) => {
      const id = `beds-${l.locationId}-${bedType}`
      const latest = l.beds.find((b) => b.bedType === bedType)
      return {
        id,
        label: bedTypeLabel(bedType),
        value: entered ? (entered[id] ?? '') : latest ? String(latest.vacancies) : '',
        error: errorFor(id),
      }
    })
    const hourInputs = l.homeCare
      .filter((h) => h.covered)
      .map((h) => {
        const id = `hours-${l.locationId}-${h.outcode}`
        return {
          id,
          label: h.outcode,
          value: entered
            ? (entered[id] ?? '')
            : h.spareMinutesPerWeek === null
              ? ''
              : minutesToHours(h.spareMinutesPerWeek),
          error: errorFor(id),
        }
      })
    const placesId = `places-${l.locationId}`
    const placesInput = l.reportsDayPlaces
      ? {
          id: placesId,
          value: entered ? (entered[placesId] ?? '') : l.dayPlaces ? String(l.dayPlaces.placesPerDay) : '',
          error: errorFor(placesId),
        }
      : null
    return { ...l, tag: FRESHNESS_TAGS[l.freshness], bedInputs, hourInputs, placesInput }
  })
}

// Which uploads were cut off at the size limit, so the page can say so instead of failing.
const oversizedUploads = new WeakSet<FastifyRequest>()

/** What the capacity pages and API are given: the services they call, nothing more. */
export interface CapacityRouteOptions {
  capacity: ProvidersServices['capacity']
}

export const capacityRoutes: FastifyPluginAsync<CapacityRouteOptions> = async (
  app,
  { capacity: capacityService },
) => {
  // Here, so only this plugin's routes accept multipart bodies.
  await acceptUploads(app, {
    limits: { fileSize: MAX_CSV_BYTES, files: 1, fields: 5, parts: 6 },
    async onFile(request, part) {
      const content = await part.toBuffer()
      if (part.file.truncated) oversizedUploads.add(request)
      return content
    },
  })

  const showForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    entered: Record<string, string> | null,
    errors: FieldError[] = [],
  ) => {
    const user = request.user as SessionUser
    const capacity = await capacityService.getProviderCapacity(scopeOf(user))
    const saved = Number(field(request.query, 'saved'))
    return reply.code(status).view('providers/capacity/views/provider-capacity.njk', {
      pageTitle: 'Update capacity',
      locations: formLocations(capacity, entered, errors),
      saved: status === 200 && Number.isSafeInteger(saved) && saved > 0 ? saved : undefined,
      staleAfterDays: STALE_AFTER_DAYS,
      ...formErrors(errors),
    })
  }

  app.get('/provider/capacity', { config: { access: ['provider_user'] } }, async (request, reply) =>
    showForm(request, reply, 200, null),
  )

  app.post('/provider/capacity', { config: { access: ['provider_user'] } }, async (request, reply) => {
    const user = request.user as SessionUser
    const rows = formRows(request.body)
    try {
      const result = await capacityService.recordCapacity(scopeOf(user), actorOf(user), rows, {
        source: 'web',
      })
      return reply.redirect(`/provider/capacity?saved=${result.saved}`, 303)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      const entered = Object.fromEntries(
        Object.entries((request.body as Record<string, unknown>) ?? {}).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      )
      return showForm(request, reply, 400, entered, error.errors)
    }
  })

  const showUpload = (reply: FastifyReply, status: number, errors: FieldError[] = []) =>
    reply.code(status).view('providers/capacity/views/upload.njk', {
      pageTitle: 'Upload capacity as a CSV file',
      bedColumns: BED_COLUMNS.join(','),
      homeCareColumns: HOME_CARE_COLUMNS.join(','),
      maxRows: MAX_CSV_ROWS,
      maxKilobytes: MAX_CSV_BYTES / 1024,
      maxHours: MAX_SPARE_HOURS_PER_WEEK,
      failedRows: errors.filter((e) => e.field.startsWith('line-')),
      ...formErrors(errors),
    })

  app.get('/provider/capacity/upload', { config: { access: ['provider_user'] } }, async (_request, reply) =>
    showUpload(reply, 200),
  )

  app.post('/provider/capacity/upload', { config: { access: ['provider_user'] } }, async (request, reply) => {
    const user = request.user as SessionUser
    const file = (request.body as Record<string, unknown> | undefined)?.file
    if (oversizedUploads.has(request))
      return showUpload(reply, 413, [
        { field: 'file', message: `The file must be smaller than ${MAX_CSV_BYTES / 1024} KB` },
      ])
    if (!Buffer.isBuffer(file) || file.length === 0)
      return showUpload(reply, 400, [{ field: 'file', message: 'Select a CSV file of capacity' }])
    try {
      const rows = await readCapacityFile(file)
      const result = await capacityService.recordCapacity(scopeOf(user), actorOf(user), rows, {
        source: 'csv',
      })
      return reply.redirect(`/provider/capacity?saved=${result.saved}`, 303)
    } catch (error) {
      if (error instanceof ValidationError) return showUpload(reply, 400, error.errors)
      throw error
    }
  })

  const template = (name: string, build: (capacity: LocationCapacity[]) => string) =>
    app.get(
      `/provider/capacity/templates/${name}`,
      { config: { access: ['provider_user'] } },
      async (request, reply) => {
        const capacity = await capacityService.getProviderCapacity(scopeOf(request.user as SessionUser))
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}"`)
          .send(build(capacity))
      },
    )
  template('beds.csv', bedTemplate)
  template('home-care.csv', homeCareTemplate)

  app.get(
    '/api/v1/capacity',
    {
      config: { access: ['provider_user'] },
      schema: operation({
        summary: 'The latest capacity of each of your locations',
        tags: ['capacity'],
        responses: { 200: providerCapacitySchema },
        errors: [],
      }),
    },
    async (request) => {
      const capacity = await capacityService.getProviderCapacity(scopeOf(request.user as SessionUser))
      return {
        staleAfterDays: STALE_AFTER_DAYS,
        locations: capacity.map((l) => ({
          locationId: l.locationId,
          cqcLocationId: l.cqcLocationId,
          name: l.name,
          registeredBeds: l.registeredBeds,
          lastReportedAt: l.lastReportedAt,
          freshness: l.freshness,
          beds: l.beds,
          dayPlaces: l.dayPlaces,
          homeCare: l.homeCare.flatMap((h) =>
            h.spareMinutesPerWeek === null
              ? []
              : [
                  {
                    outcode: h.outcode,
                    spareHoursPerWeek: Number(minutesToHours(h.spareMinutesPerWeek)),
                    spareMinutesPerWeek: h.spareMinutesPerWeek,
                    reportedAt: h.reportedAt,
                  },
                ],
          ),
        })),
      }
    },
  )

  app.post(
    '/api/v1/capacity',
    {
      config: { access: ['provider_user'] },
      schema: operation({
        summary: 'Report capacity: a JSON array of updates, all saved or none',
        description:
          'Each update names a location by locationId or cqcLocationId and gives bedType and vacancies, outcode and spareHoursPerWeek (up to 2 decimal places), or placesPerDay (a day service’s spare places a day).',
        tags: ['capacity'],
        body: apiUpdates,
        responses: { 201: capacityReportedSchema },
        errors: [],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const updates = parseInput(apiUpdates, request.body)
      const rows: CapacityInput[] = updates.map((u, i) => ({ field: String(i), label: `Item ${i}`, ...u }))
      const result = await capacityService.recordCapacity(scopeOf(user), actorOf(user), rows, {
        source: 'api',
      })
      return reply.code(201).send(result)
    },
  )

  app.get('/capacity', { config: { access: COUNCIL_STAFF } }, async (request, reply) => {
    const user = request.user as SessionUser
    const summary = await capacityService.capacitySummary(user.councilId)
    const chosen = field(request.query, 'locality')
    const selected =
      summary.beds.localities.find((l) => String(l.localityId ?? 'none') === chosen) ?? summary.beds.total
    return reply.view('providers/capacity/views/summary.njk', {
      pageTitle: 'Vacancies',
      summary,
      selected,
      localityChart: await chartMarkup(availabilityByLocalityChart(summary.beds.localities), {
        id: 'beds-by-locality',
        title: 'Bar chart of the share of care home beds available in each locality',
      }),
      bedTypeChart: await chartMarkup(availabilityByBedTypeChart(selected), {
        id: 'beds-by-bed-type',
        title: `Bar chart of the share of beds available by bed type: ${selected.locality}`,
      }),
      localityOptions: [
        { value: '', text: 'All localities', selected: selected === summary.beds.total },
        ...summary.beds.localities.map((l) => ({
          value: String(l.localityId ?? 'none'),
          text: l.locality,
          selected: selected === l,
        })),
      ],
    })
  })

  app.get(
    '/api/v1/capacity/summary',
    {
      config: { access: COUNCIL_STAFF },
      schema: operation({
        summary: '% of care home beds available by locality and bed type, and spare home care hours',
        tags: ['capacity'],
        responses: { 200: capacitySummarySchema },
        errors: [],
      }),
    },
    async (request) => capacityService.capacitySummary((request.user as SessionUser).councilId),
  )
}

const figure = z.union([z.number(), z.string().max(20)])
const apiUpdates = z
  .array(
    z.strictObject({
      locationId: z.number().int().positive().optional(),
      cqcLocationId: z.string().max(40).optional(),
      bedType: z.string().max(40).optional(),
      vacancies: figure.optional(),
      outcode: z.string().max(10).optional(),
      spareHoursPerWeek: figure.optional(),
      placesPerDay: figure.optional(),
    }),
    { error: 'Send a JSON array of capacity updates' },
  )
  .max(10_000, 'Send 10,000 updates or fewer at once')
