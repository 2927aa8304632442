import path from 'node:path'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { recordId } from '../../storable.ts'
import { operation } from '../../web/api-schema.ts'
import { dateFromForm, field, formErrors, typedDateParts } from '../../web/forms.ts'
import { acceptUploads } from '../../web/input.ts'
import type { Capability } from '../../web/navigation.ts'
import type { ProvidersServices } from '../services.ts'
import {
  ACCREDITATION_CRITERIA,
  ACCREDITATION_CRITERION_LABELS,
  ACCREDITED_KIND_LABELS,
  ACCREDITED_KINDS,
  ACCREDITED_SERVICE_TYPES,
  CLIENT_GROUP_LABELS,
  CLIENT_GROUPS,
  REGISTER_SERVICE_TYPE_LABELS,
  SPECIALISM_LABELS,
  SPECIALISMS,
} from '../vocabulary.ts'
import { importTemplate, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS } from './file.ts'
import { type AccreditedServiceInput, accreditedServiceSchema, REQUIRED_IMPORT_COLUMNS } from './rules.ts'
import { accreditationImportSchema, accreditationUploadSchema, addedServiceSchema } from './schemas.ts'

/** Pages this area offers, for the navigation and each role's home page. */
export const accreditedCapabilities: Capability[] = [
  {
    href: '/accredited-services',
    section: 'providers',
    label: 'Council-accredited services',
    description:
      'Add the day opportunities, micro-providers and community groups the council accredits itself, one at a time or from a spreadsheet.',
    roles: ['commissioner'],
  },
]

const COMMISSIONER = ['commissioner'] as const
const importParams = z.object({ importId: recordId('Import ID') })
const DATE_FIELDS = ['accreditedFrom', 'accreditedTo']
const CHOICE_FIELDS = ['serviceTypes', 'specialisms', 'clientGroups', 'criteriaMet'] as const
const TEXT_FIELDS = [
  'organisationName',
  'organisationId',
  'serviceId',
  'kind',
  'name',
  'address',
  'postcode',
  'accreditedBy',
]

function options<T extends string>(values: readonly T[], labels: Record<T, string>) {
  return values.map((value) => ({ value, text: labels[value] }))
}

const FORM_CHOICES = {
  kinds: options(ACCREDITED_KINDS, ACCREDITED_KIND_LABELS),
  serviceTypes: options(ACCREDITED_SERVICE_TYPES, REGISTER_SERVICE_TYPE_LABELS),
  specialisms: options(SPECIALISMS, SPECIALISM_LABELS),
  clientGroups: options(CLIENT_GROUPS, CLIENT_GROUP_LABELS),
  criteria: options(ACCREDITATION_CRITERIA, ACCREDITATION_CRITERION_LABELS),
}

/** A form's checkboxes: one value is a string, several an array, none absent. */
function checked(body: unknown, name: string): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[name]
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
  return typeof value === 'string' ? [value] : []
}

function formInput(body: unknown): AccreditedServiceInput {
  const input: Record<string, unknown> = {}
  for (const name of TEXT_FIELDS) input[name] = field(body, name)
  for (const name of CHOICE_FIELDS) input[name] = checked(body, name)
  for (const name of DATE_FIELDS) input[name] = dateFromForm(body, name)
  return input as AccreditedServiceInput
}

/** The error summary links a date to its first box and a group of checkboxes to its first box. */
function pageErrors(errors: FieldError[]) {
  const { errorList, fieldErrors } = formErrors(errors)
  return {
    errorList: errorList.map((e) => {
      const name = e.href.slice(1)
      if (DATE_FIELDS.includes(name)) return { ...e, href: `${e.href}-day` }
      if ((CHOICE_FIELDS as readonly string[]).includes(name) || name === 'kind')
        return { ...e, href: `#${name}` }
      return e
    }),
    fieldErrors,
  }
}

// Which uploads were cut off at the size limit, so the page can say so instead of failing.
const oversizedUploads = new WeakSet<FastifyRequest>()
const uploadNames = new WeakMap<FastifyRequest, string>()

/** What the accreditation pages and API are given: the services they call, nothing more. */
export interface AccreditedRouteOptions {
  accredited: ProvidersServices['accredited']
}

export const accreditedRoutes: FastifyPluginAsync<AccreditedRouteOptions> = async (app, { accredited }) => {
  await acceptUploads(app, {
    limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 5, parts: 6 },
    async onFile(request, part) {
      const content = await part.toBuffer()
      if (part.file.truncated) oversizedUploads.add(request)
      uploadNames.set(request, path.basename(part.filename || 'upload'))
      return content
    },
  })

  app.get('/accredited-services', { config: { access: COMMISSIONER } }, async (_request, reply) =>
    reply.view('providers/accredited/views/index.njk', {
      pageTitle: 'Council-accredited services',
    }),
  )

  const showForm = (
    reply: FastifyReply,
    status: number,
    values: Record<string, unknown>,
    errors: FieldError[],
  ) =>
    reply.code(status).view('providers/accredited/views/new.njk', {
      pageTitle: 'Add a council-accredited service',
      choices: FORM_CHOICES,
      values,
      ...pageErrors(errors),
    })

  app.get('/accredited-services/new', { config: { access: COMMISSIONER } }, async (_request, reply) =>
    showForm(reply, 200, {}, []),
  )

  app.post('/accredited-services', { config: { access: COMMISSIONER } }, async (request, reply) => {
    const user = request.user as SessionUser
    const input = formInput(request.body)
    try {
      const added = await accredited.addAccreditedService(user.councilId, input, actorOf(user))
      return reply.redirect(`/locations/${added.locationId}?done=accredited-service-added`, 303)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      const values = {
        ...input,
        ...typedDateParts(request.body, 'accreditedFrom'),
        ...typedDateParts(request.body, 'accreditedTo'),
      }
      return showForm(reply, 400, values, error.errors)
    }
  })

  const showUpload = (reply: FastifyReply, status: number, errors: FieldError[], full = false) =>
    reply.code(status).view('providers/accredited/views/import.njk', {
      pageTitle: 'Import council-accredited services',
      columns: REQUIRED_IMPORT_COLUMNS,
      maxRows: MAX_IMPORT_ROWS,
      maxKilobytes: MAX_IMPORT_BYTES / 1024,
      full,
      ...formErrors(errors),
    })

  app.get('/accredited-services/import', { config: { access: COMMISSIONER } }, async (_request, reply) =>
    showUpload(reply, 200, []),
  )

  app.get(
    '/accredited-services/template.csv',
    { config: { access: COMMISSIONER } },
    async (_request, reply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="accredited-services.csv"')
        .send(importTemplate()),
  )

  /** The uploaded file, or the error that says why there is none. */
  function uploaded(request: FastifyRequest): { content: Buffer; name: string } | FieldError {
    const file = (request.body as Record<string, unknown> | undefined)?.file
    if (oversizedUploads.has(request))
      return { field: 'file', message: `The file must be smaller than ${MAX_IMPORT_BYTES / 1024} KB` }
    if (!Buffer.isBuffer(file) || file.length === 0)
      return { field: 'file', message: 'Select a CSV or Excel file of accredited services' }
    return { content: file, name: uploadNames.get(request) ?? 'upload' }
  }

  app.post('/accredited-services/import', { config: { access: COMMISSIONER } }, async (request, reply) => {
    const user = request.user as SessionUser
    const full = field(request.body, 'full') === 'yes'
    const file = uploaded(request)
    if ('field' in file) return showUpload(reply, oversizedUploads.has(request) ? 413 : 400, [file], full)
    try {
      const report = await accredited.importAccreditedServices(user.councilId, file, { full }, actorOf(user))
      return reply
        .code(report.status === 'completed' ? 200 : 422)
        .view('providers/accredited/views/import-report.njk', {
          pageTitle: report.status === 'completed' ? 'Accredited services imported' : 'Nothing was imported',
          report,
          fileName: file.name,
        })
    } catch (error) {
      if (error instanceof ValidationError) return showUpload(reply, 400, error.errors, full)
      throw error
    }
  })

  // API ---------------------------------------------------------------------------------------

  app.post(
    '/api/v1/accredited-services',
    {
      config: { access: COMMISSIONER },
      schema: operation({
        summary:
          'Add a service the council accredits itself (day opportunities, micro-provider, community group)',
        tags: ['register'],
        body: accreditedServiceSchema,
        responses: { 201: addedServiceSchema },
        errors: [409],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const added = await accredited.addAccreditedService(user.councilId, request.body ?? {}, actorOf(user))
      return reply.code(201).header('location', `/api/v1/locations/${added.locationId}`).send(added)
    },
  )

  app.post(
    '/api/v1/accredited-services/imports',
    {
      config: { access: COMMISSIONER },
      schema: operation({
        summary:
          'Import the council’s accreditation list (multipart/form-data: file as CSV or .xlsx, and full=yes when it is the whole list). ' +
          'Every good row or none: a 422 lists each row refused (field "line N") and keeps nothing; ' +
          'GET /api/v1/accredited-services/imports/{importId} reads either report again.',
        tags: ['register'],
        consumes: ['multipart/form-data'],
        body: accreditationUploadSchema,
        responses: { 200: accreditationImportSchema },
        errors: [413, 422],
      }),
    },
    async (request, reply) => {
      const user = request.user as SessionUser
      const file = uploaded(request)
      if ('field' in file) {
        if (oversizedUploads.has(request))
          return reply.code(413).send({ error: { status: 413, message: file.message } })
        throw new ValidationError([file])
      }
      const full = field(request.body, 'full') === 'yes'
      const report = await accredited.importAccreditedServices(user.councilId, file, { full }, actorOf(user))
      if (report.status === 'completed') return reply.code(200).send(report)
      return reply.code(422).send({
        error: {
          status: 422,
          message: `Import ${report.importId}: ${report.rejected.length} of the file’s rows have problems, so nothing was imported`,
          errors: report.rejected.map((r) => ({ field: `line ${r.line}`, message: r.reason })),
        },
      })
    },
  )

  app.get(
    '/api/v1/accredited-services/imports/:importId',
    {
      config: { access: COMMISSIONER },
      schema: operation({
        summary: 'One import of the council’s accreditation list, and its report',
        tags: ['register'],
        params: importParams,
        responses: { 200: accreditationImportSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const { importId } = parseInput(importParams, request.params)
      return accredited.getAccreditationImport((request.user as SessionUser).councilId, importId)
    },
  )
}
