// The council's rate book: the /admin/fees page (add a rate, end one, load and download the CSV)
// and GET /api/v1/fees/rates and POST /api/v1/fees/rates/imports.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { REQUEST_SERVICE_TYPE_LABELS, REQUEST_SERVICE_TYPES } from '../../brokerage/rules/vocabulary.ts'
import { ConflictError, type FieldError, NotFoundError, parseInput, ValidationError } from '../../errors.ts'
import { CLIENT_GROUPS } from '../../providers/vocabulary.ts'
import { londonDate } from '../../shared/dates.ts'
import { formatPounds } from '../../shared/money.ts'
import { recordId } from '../../storable.ts'
import { operation } from '../../web/api-schema.ts'
import { dateFromForm, field, formErrors, typedDateParts } from '../../web/forms.ts'
import { acceptUploads } from '../../web/input.ts'
import type { Capability } from '../../web/navigation.ts'
import type { FeesServices } from '../services.ts'
import { MAX_UPLOAD_BYTES, readUpload, uploadOf } from '../uploads.ts'
import { BAND_LABELS, BANDS, CLIENT_GROUP_LABELS, rateUnit, unitLabel } from './rules.ts'
import { rateImportReportSchema, rateListSchema, rateQuerySchema, rateUploadSchema } from './schemas.ts'
import { RATE_COLUMNS, type Rate, type RateImportReport } from './service.ts'

/** Who keeps the rate book, and who reads it as well. */
const EDITORS = ['council_admin', 'commissioner'] as const
const READERS = ['council_admin', 'commissioner', 'broker'] as const

export const ratesCapabilities: Capability[] = [
  {
    href: '/admin/fees',
    section: 'market',
    label: 'Rate book',
    description: 'The usual prices the council pays, by service, client group and band, and from when.',
    roles: READERS,
  },
]

const rateParams = z.object({ rateId: recordId('Rate ID') })

function rateJson(rate: Rate) {
  const unit = rateUnit(rate.serviceType)
  return {
    id: rate.id,
    serviceType: rate.serviceType,
    clientGroup: rate.clientGroup,
    band: rate.band,
    localityId: rate.localityId,
    locality: rate.localityName,
    pricePence: rate.pricePence,
    unit: unit === 'daily' ? ('session' as const) : unit,
    effectiveFrom: rate.effectiveFrom,
    effectiveTo: rate.effectiveTo,
  }
}

const RATE_FIELDS = ['serviceType', 'clientGroup', 'band', 'locality', 'price'] as const

export interface RatesRouteOptions {
  feeRates: FeesServices['feeRates']
  listLocalities: (councilId: number) => Promise<{ id: number; name: string }[]>
  clock: () => Date
}

export const ratesRoutes: FastifyPluginAsync<RatesRouteOptions> = async (
  app,
  { feeRates, listLocalities, clock },
) => {
  await acceptUploads(app, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5, parts: 6 },
    onFile: readUpload,
  })

  const showPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    options: {
      status?: number
      values?: Record<string, string>
      errors?: FieldError[]
      endErrors?: { rateId: number; message: string }
      report?: RateImportReport
      importErrors?: FieldError[]
    } = {},
  ) => {
    const user = request.user as SessionUser
    const today = londonDate(clock())
    const [rates, places] = await Promise.all([
      feeRates.listRates(user.councilId, { from: today }),
      listLocalities(user.councilId),
    ])
    const canEdit = (EDITORS as readonly string[]).includes(user.role)
    const { errorList, fieldErrors } = formErrors([
      ...(options.errors ?? []),
      ...(options.importErrors ?? []),
    ])
    return reply.code(options.status ?? 200).view('fees/rates/views/rates.njk', {
      pageTitle: 'Rate book',
      today,
      canEdit,
      rates: rates.map((rate) => ({
        ...rate,
        serviceTypeLabel: REQUEST_SERVICE_TYPE_LABELS[rate.serviceType],
        clientGroupLabel: CLIENT_GROUP_LABELS[rate.clientGroup],
        bandLabel: BAND_LABELS[rate.band],
        price: `${formatPounds(rate.pricePence)} ${unitLabel(rateUnit(rate.serviceType))}`,
        future: rate.effectiveFrom > today,
      })),
      serviceTypes: REQUEST_SERVICE_TYPES.map((value) => ({
        value,
        text: REQUEST_SERVICE_TYPE_LABELS[value],
      })),
      clientGroups: CLIENT_GROUPS.map((value) => ({ value, text: CLIENT_GROUP_LABELS[value] })),
      bands: BANDS.map((value) => ({ value, text: BAND_LABELS[value] })),
      localities: places,
      columns: Object.values(RATE_COLUMNS),
      values: options.values ?? { band: 'standard' },
      endErrors: options.endErrors,
      report: options.report,
      added: field(request.query, 'added') === '1',
      ended: field(request.query, 'ended') === '1',
      imported: Number(field(request.query, 'imported')) || 0,
      errorList: options.endErrors
        ? [{ text: options.endErrors.message, href: `#end-${options.endErrors.rateId}-day` }]
        : errorList.map((e) =>
            e.href === '#effectiveFrom' || e.href === '#effectiveTo' ? { ...e, href: `${e.href}-day` } : e,
          ),
      fieldErrors,
    })
  }

  app.get('/admin/fees', { config: { access: READERS } }, async (request, reply) => showPage(request, reply))

  app.post('/admin/fees', { config: { access: EDITORS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const values: Record<string, string> = {
      ...Object.fromEntries(RATE_FIELDS.map((name) => [name, field(request.body, name)])),
      ...typedDateParts(request.body, 'effectiveFrom'),
      ...typedDateParts(request.body, 'effectiveTo'),
    }
    const localityId = values.locality ?? ''
    const places = await listLocalities(user.councilId)
    try {
      const from = dateFromForm(request.body, 'effectiveFrom')
      const to = dateFromForm(request.body, 'effectiveTo')
      await feeRates.addRate(
        user.councilId,
        {
          serviceType: values.serviceType ?? '',
          clientGroup: values.clientGroup ?? '',
          band: values.band ?? '',
          locality: places.find((p) => String(p.id) === localityId)?.name ?? (localityId === '' ? '' : '?'),
          price: values.price ?? '',
          effectiveFrom: from === 'invalid' ? '?' : from,
          effectiveTo: to === 'invalid' ? '?' : to,
        },
        actorOf(user),
      )
      return reply.redirect('/admin/fees?added=1', 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showPage(request, reply, { status: 400, values, errors: error.errors })
      if (error instanceof ConflictError)
        return showPage(request, reply, {
          status: 409,
          values,
          errors: [{ field: 'effectiveFrom', message: error.message }],
        })
      throw error
    }
  })

  app.post('/admin/fees/:rateId/end', { config: { access: EDITORS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { rateId } = parseInput(rateParams, request.params)
    try {
      await feeRates.endRate(
        user.councilId,
        rateId,
        dateFromForm(request.body, `end-${rateId}`),
        actorOf(user),
      )
      return reply.redirect('/admin/fees?ended=1', 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showPage(request, reply, {
          status: 400,
          endErrors: { rateId, message: error.errors[0]?.message ?? 'Enter the rate’s last day' },
        })
      if (error instanceof NotFoundError) throw error
      throw error
    }
  })

  app.post('/admin/fees/import', { config: { access: EDITORS } }, async (request, reply) => {
    const user = request.user as SessionUser
    try {
      const report = await feeRates.importRates(user.councilId, uploadOf(request, 'rates'), actorOf(user))
      if (report.status === 'completed') return reply.redirect(`/admin/fees?imported=${report.added}`, 303)
      return showPage(request, reply, { status: 400, report })
    } catch (error) {
      if (error instanceof ValidationError)
        return showPage(request, reply, { status: 400, importErrors: error.errors })
      throw error
    }
  })

  app.get('/admin/fees/rates.csv', { config: { access: READERS } }, async (request, reply) => {
    const csv = await feeRates.exportRates((request.user as SessionUser).councilId)
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="rate-book.csv"')
      .send(csv)
  })

  app.get(
    '/api/v1/fees/rates',
    {
      config: { access: READERS },
      schema: operation({
        summary: 'The rate book: the usual prices in force on a date (today unless at=YYYY-MM-DD is given)',
        description:
          'Each rate is for a service type, client group and band (standard, enhanced, complex), in one locality or (locality null) every locality without its own. pricePence is in the unit: weekly for care homes, hourly for home care and supported living, per session for day services.',
        tags: ['fees'],
        querystring: rateQuerySchema,
        responses: { 200: rateListSchema },
        errors: [],
      }),
    },
    async (request) => {
      const { at } = parseInput(rateQuerySchema, request.query)
      const date = at ?? londonDate(clock())
      const rates = await feeRates.ratesAt((request.user as SessionUser).councilId, date)
      return { at: date, rates: rates.map(rateJson) }
    },
  )

  app.post(
    '/api/v1/fees/rates/imports',
    {
      config: { access: EDITORS },
      schema: operation({
        summary:
          'Add rates to the rate book from a CSV file (multipart/form-data: file). Answers 201 with the report. All rows are added, or none: ' +
          'status rejected lists each rejected row with its line and reason (an unknown value, or effective dates ' +
          'that overlap a rate of the same service type, client group, band and locality).',
        tags: ['fees'],
        consumes: ['multipart/form-data'],
        body: rateUploadSchema,
        responses: { 201: rateImportReportSchema },
        errors: [413, 415],
      }),
    },
    async (request, reply) => {
      const report = await feeRates.importRates(
        (request.user as SessionUser).councilId,
        uploadOf(request, 'rates'),
        actorOf(request.user as SessionUser),
      )
      return reply.code(201).send(report)
    },
  )
}
