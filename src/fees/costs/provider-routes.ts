// Providers' cost returns: the /provider/cost-returns pages (a form per location and year, and a
// CSV upload whose good rows are kept) and POST /api/v1/provider/cost-returns (JSON, and a CSV file).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { londonDate } from '../../shared/dates.ts'
import { formatPounds, formatPoundsInput } from '../../shared/money.ts'
import { operation } from '../../web/api-schema.ts'
import { field, formErrors } from '../../web/forms.ts'
import { acceptUploads } from '../../web/input.ts'
import type { Capability } from '../../web/navigation.ts'
import type { FeesServices } from '../services.ts'
import { financialYearLabel } from '../uplifts/rules.ts'
import { MAX_UPLOAD_BYTES, readUpload, uploadOf } from '../uploads.ts'
import {
  CARE_HOME_LINES,
  COST_SECTORS,
  type CostReturnText,
  HOME_CARE_LINES,
  kindOf,
  nlwForYear,
  readYear,
  sectorLabel,
  UNIT_LABELS,
} from './rules.ts'
import {
  costReturnBodySchema,
  costReturnSavedSchema,
  returnImportReportSchema,
  returnUploadSchema,
} from './schemas.ts'
import { type ProviderScope, RETURN_COLUMNS, type ReturnImportReport, returnTemplate } from './service.ts'

const PROVIDERS = ['provider_user'] as const

export const costReturnsCapabilities: Capability[] = [
  {
    href: '/provider/cost-returns',
    section: 'organisation',
    label: 'Cost of care returns',
    description:
      'Tell the council what care costs you, line by line, for each location and year: on a form or by uploading a CSV file.',
    roles: PROVIDERS,
  },
]

function scopeOf(user: SessionUser): ProviderScope {
  return { councilId: user.councilId, providerOrganisationId: user.providerOrganisationId as number }
}

const ALL_LINES = [...CARE_HOME_LINES, ...HOME_CARE_LINES]

/** The form's box for a service field: lines are "line-<key>". */
function boxOf(fieldName: string): string {
  if (fieldName.startsWith('lines.')) return `line-${fieldName.slice(6)}`
  if (fieldName === 'lines') return `line-${ALL_LINES[0]?.key}`
  if (fieldName === 'hourlyWagePence') return 'hourlyWage'
  if (fieldName === 'sector') return 'sector'
  return fieldName
}

const newQuery = z.object({
  locationId: z
    .string()
    .regex(/^\d{1,10}$/)
    .transform(Number)
    .optional(),
  year: z.string().max(10).optional(),
})

export interface CostReturnsRouteOptions {
  costReturns: FeesServices['costReturns']
  clock: () => Date
}

export const costReturnsRoutes: FastifyPluginAsync<CostReturnsRouteOptions> = async (
  app,
  { costReturns, clock },
) => {
  await acceptUploads(app, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5, parts: 6 },
    onFile: readUpload,
  })

  /** The financial year today is in, by the year it starts. */
  const thisYear = () => {
    const today = londonDate(clock())
    const year = Number(today.slice(0, 4))
    return today.slice(5) >= '04-01' ? year : year - 1
  }

  const showList = async (
    request: FastifyRequest,
    reply: FastifyReply,
    options: { status?: number; report?: ReturnImportReport; importErrors?: FieldError[] } = {},
  ) => {
    const user = request.user as SessionUser
    const returns = await costReturns.listReturns(scopeOf(user))
    const { errorList, fieldErrors } = formErrors(options.importErrors ?? [])
    return reply.code(options.status ?? 200).view('fees/costs/views/provider-returns.njk', {
      pageTitle: 'Cost of care returns',
      returns: returns.map((r) => ({
        ...r,
        yearLabel: financialYearLabel(r.year),
        sectorLabel: sectorLabel(r.sector),
        total: `${formatPounds(r.totalPence)} ${UNIT_LABELS[kindOf(r.sector)]}`,
      })),
      columns: Object.values(RETURN_COLUMNS),
      sectors: COST_SECTORS,
      careHomeLines: CARE_HOME_LINES,
      homeCareLines: HOME_CARE_LINES,
      saved: field(request.query, 'saved'),
      report: options.report,
      errorList,
      fieldErrors,
    })
  }

  const showForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    values: Record<string, string>,
    errors: FieldError[] = [],
  ) => {
    const user = request.user as SessionUser
    const places = await costReturns.returnLocations(scopeOf(user))
    const byBox = errors.map((e) => ({ ...e, field: boxOf(e.field) }))
    const { errorList, fieldErrors } = formErrors(byBox)
    const year = readYear(values.year ?? '')
    const nlw = nlwForYear(year ?? thisYear())
    return reply.code(errors.length > 0 ? 400 : 200).view('fees/costs/views/provider-form.njk', {
      pageTitle: 'Submit a cost of care return',
      locations: places.filter((p) => p.active || String(p.id) === values.locationId),
      sectors: COST_SECTORS.map((value) => ({
        value,
        text: sectorLabel(value),
        unit: UNIT_LABELS[kindOf(value)],
      })),
      careHomeLines: CARE_HOME_LINES,
      homeCareLines: HOME_CARE_LINES,
      nlwText: nlw === null ? null : formatPounds(nlw),
      values,
      errorList,
      fieldErrors,
    })
  }

  app.get('/provider/cost-returns', { config: { access: PROVIDERS } }, async (request, reply) =>
    showList(request, reply),
  )

  app.get('/provider/cost-returns/new', { config: { access: PROVIDERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const query = parseInput(newQuery, request.query ?? {})
    const values: Record<string, string> = { year: query.year ?? financialYearLabel(thisYear()) }
    if (query.locationId !== undefined) {
      values.locationId = String(query.locationId)
      const year = readYear(values.year ?? '')
      const existing =
        year === null ? null : await costReturns.getReturn(scopeOf(user), query.locationId, year)
      if (existing) {
        values.sector = existing.sector
        values.hourlyWage = formatPoundsInput(existing.hourlyWagePence, { pence: 'always' })
        for (const [key, pence] of Object.entries(existing.lines))
          values[`line-${key}`] = formatPoundsInput(pence, { pence: 'always' })
      }
    }
    return showForm(request, reply, values)
  })

  app.post('/provider/cost-returns', { config: { access: PROVIDERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const values: Record<string, string> = {
      locationId: field(request.body, 'locationId'),
      year: field(request.body, 'year'),
      sector: field(request.body, 'sector'),
      hourlyWage: field(request.body, 'hourlyWage'),
    }
    const text: CostReturnText = {
      year: values.year ?? '',
      sector: values.sector ?? '',
      hourlyWage: values.hourlyWage ?? '',
      lines: {},
    }
    for (const line of ALL_LINES) {
      const typed = field(request.body, `line-${line.key}`)
      values[`line-${line.key}`] = typed
      text.lines[line.key] = typed
    }
    const locationId = /^\d{1,10}$/.test(values.locationId ?? '') ? Number(values.locationId) : 0
    try {
      const saved = await costReturns.submitReturnText(scopeOf(user), locationId, text, actorOf(user))
      return reply.redirect(`/provider/cost-returns?saved=${saved.replaced ? 'replaced' : 'new'}`, 303)
    } catch (error) {
      if (error instanceof ValidationError) return showForm(request, reply, values, error.errors)
      throw error
    }
  })

  app.post('/provider/cost-returns/import', { config: { access: PROVIDERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    try {
      const report = await costReturns.importReturns(
        scopeOf(user),
        uploadOf(request, 'cost returns'),
        actorOf(user),
      )
      return showList(request, reply, { status: report.status === 'rejected' ? 400 : 200, report })
    } catch (error) {
      if (error instanceof ValidationError)
        return showList(request, reply, { status: 400, importErrors: error.errors })
      throw error
    }
  })

  app.get('/provider/cost-returns/template.csv', { config: { access: PROVIDERS } }, async (_request, reply) =>
    reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="cost-returns.csv"')
      .send(returnTemplate()),
  )

  app.post(
    '/api/v1/provider/cost-returns',
    {
      config: { access: PROVIDERS },
      schema: operation({
        summary:
          'Submit a location’s cost of care return for a year, replacing any earlier one for that year',
        description:
          'Lines are pence per resident a week for care homes and per contact hour for home care. A negative line, a line of the other kind of service, or an hourly wage below the National Living Wage of the year is a 400 naming the field.',
        tags: ['fees'],
        body: costReturnBodySchema,
        responses: { 201: costReturnSavedSchema },
        errors: [],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const body = parseInput(costReturnBodySchema, request.body)
      const saved = await costReturns.submitReturn(
        scopeOf(user),
        { ...body, hourlyWagePence: body.hourlyWagePence ?? null },
        actorOf(user),
      )
      return reply.code(201).send(saved)
    },
  )

  app.post(
    '/api/v1/provider/cost-returns/imports',
    {
      config: { access: PROVIDERS },
      schema: operation({
        summary:
          'Submit cost returns from a CSV file (multipart/form-data: file), one row per location and year. Answers 201 with the report: ' +
          'the good rows are saved and each rejected row is listed with its line and reason (status partial), so one impossible value does not hold up the rest.',
        tags: ['fees'],
        consumes: ['multipart/form-data'],
        body: returnUploadSchema,
        responses: { 201: returnImportReportSchema },
        errors: [413, 415],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const report = await costReturns.importReturns(
        scopeOf(user),
        uploadOf(request, 'cost returns'),
        actorOf(user),
      )
      return reply.code(201).send(report)
    },
  )
}
