// Pages and API for loading the council's book of packages: the upload form, each import's report
// (with every rejected row), past imports, and POST /api/v1/packages/imports.
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { MultipartFile } from '@fastify/multipart'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { recordId } from '../../storable.ts'
import { operation } from '../../web/api-schema.ts'
import { field, formErrors } from '../../web/forms.ts'
import { acceptUploads } from '../../web/input.ts'
import type { BrokerageServices } from '../services.ts'
import { FUNDING, PACKAGE_COLUMNS } from './rules.ts'
import {
  onePackageImportSchema,
  packageImportListSchema,
  packageImportReportSchema,
  packageImportUploadSchema,
} from './schemas.ts'
import type { PackageImport } from './store.ts'

const IMPORTERS = ['commissioner', 'broker'] as const

/** A council's book as CSV is a few megabytes; this leaves room for workbooks and growth. */
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024
const LIST_LIMIT = 100

const importParams = z.object({ importId: recordId('Import ID') })

interface Upload {
  path: string
  fileName: string
  bytes: number
  tooLarge: boolean
}

// The upload of each request, deleted once its response is sent: the import reads it before answering.
const savedUploads = new WeakMap<FastifyRequest, Upload>()

async function saveUpload(request: FastifyRequest, part: MultipartFile): Promise<Upload> {
  const upload: Upload = {
    path: path.join(tmpdir(), `caremarket-packages-${randomBytes(8).toString('hex')}`),
    fileName: path.basename(part.filename || 'upload'),
    bytes: 0,
    tooLarge: false,
  }
  savedUploads.set(request, upload)
  await pipeline(part.file, createWriteStream(upload.path))
  upload.bytes = (await stat(upload.path)).size
  upload.tooLarge = part.file.truncated
  return upload
}

/** The uploaded file, or the form's error about it. */
function uploadOf(request: FastifyRequest): Upload {
  const upload = savedUploads.get(request)
  const errors: FieldError[] = []
  if (!upload || upload.bytes === 0) errors.push({ field: 'file', message: 'Select a file of packages' })
  else if (upload.tooLarge)
    errors.push({
      field: 'file',
      message: `The file must be smaller than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`,
    })
  if (errors.length > 0) throw new ValidationError(errors)
  return upload as Upload
}

function importJson(row: PackageImport) {
  return {
    id: row.id,
    fileName: row.fileName,
    status: row.status as 'completed' | 'rejected',
    full: row.full,
    rowsRead: row.rowsRead,
    added: row.added,
    updated: row.updated,
    unchanged: row.unchanged,
    ended: row.ended,
    startedBy: row.startedBy,
    finishedAt: row.finishedAt.toISOString(),
    rejected: row.rejected,
  }
}

export interface PackageImportRouteOptions {
  packageImports: Pick<
    BrokerageServices['packageImports'],
    'importPackages' | 'getPackageImport' | 'listPackageImports'
  >
}

export const packageImportRoutes: FastifyPluginAsync<PackageImportRouteOptions> = async (
  app,
  { packageImports },
) => {
  await acceptUploads(app, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, parts: 12 },
    onFile: saveUpload,
  })
  app.addHook('onResponse', async (request) => {
    const upload = savedUploads.get(request)
    if (upload) await rm(upload.path, { force: true })
  })

  /** Runs the import over the uploaded file; a file that is not a table of packages is a ValidationError. */
  const runImport = (request: FastifyRequest) => {
    const user = request.user as SessionUser
    const upload = uploadOf(request)
    return packageImports.importPackages({
      councilId: user.councilId,
      input: createReadStream(upload.path),
      fileName: upload.fileName,
      full: field(request.body as Record<string, unknown> | undefined, 'full') === 'yes',
      actor: actorOf(user),
    })
  }

  const showForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    errors: FieldError[] = [],
  ) =>
    reply.code(status).view('brokerage/package-imports/views/import.njk', {
      pageTitle: 'Load the council’s packages',
      maxMegabytes: MAX_UPLOAD_BYTES / 1024 / 1024,
      columns: Object.values(PACKAGE_COLUMNS),
      funding: FUNDING,
      values: { full: field(request.body as Record<string, unknown> | undefined, 'full') === 'yes' },
      ...formErrors(errors),
    })

  app.get('/packages/import', { config: { access: IMPORTERS } }, async (request, reply) =>
    showForm(request, reply, 200),
  )

  app.post('/packages/import', { config: { access: IMPORTERS } }, async (request, reply) => {
    try {
      const report = await runImport(request)
      return reply.redirect(`/packages/imports/${report.importId}`, 303)
    } catch (error) {
      if (error instanceof ValidationError) return showForm(request, reply, 400, error.errors)
      throw error
    }
  })

  app.get('/packages/imports/:importId', { config: { access: IMPORTERS } }, async (request, reply) => {
    const { importId } = parseInput(importParams, request.params)
    const row = await packageImports.getPackageImport((request.user as SessionUser).councilId, importId)
    return reply.view('brokerage/package-imports/views/report.njk', {
      pageTitle: row.status === 'completed' ? 'Packages loaded' : 'Nothing was loaded',
      item: importJson(row),
      counts: [
        { label: 'Added', value: row.added },
        { label: 'Updated', value: row.updated },
        { label: 'Unchanged', value: row.unchanged },
        { label: 'Ended', value: row.ended },
      ],
    })
  })

  app.get('/packages/imports', { config: { access: IMPORTERS } }, async (request, reply) => {
    const rows = await packageImports.listPackageImports((request.user as SessionUser).councilId, {
      limit: LIST_LIMIT,
    })
    return reply.view('brokerage/package-imports/views/imports.njk', {
      pageTitle: 'Package imports',
      imports: rows.map(importJson),
      limit: LIST_LIMIT,
    })
  })

  app.post(
    '/api/v1/packages/imports',
    {
      config: { access: IMPORTERS },
      schema: operation({
        summary:
          'Load your council’s current book of packages (multipart/form-data: file, and optionally full=yes). ' +
          'Answers 201 with the import’s report: status completed when every row was good and all were ' +
          'imported; status rejected, listing every rejected row with its line and reason, when any was not, ' +
          'and then nothing was imported. 400 when the file is not a table of packages (a column is missing).',
        tags: ['packages'],
        consumes: ['multipart/form-data'],
        body: packageImportUploadSchema,
        responses: { 201: packageImportReportSchema },
        errors: [413, 415],
      }),
    },
    async (request, reply) => {
      const report = await runImport(request)
      return reply
        .code(201)
        .header('location', `/api/v1/packages/imports/${report.importId}`)
        .send({ ...report, status: report.rejected.length > 0 ? 'rejected' : 'completed' })
    },
  )

  app.get(
    '/api/v1/packages/imports',
    {
      config: { access: IMPORTERS },
      schema: operation({
        summary: 'Your council’s imports of its book of packages, newest first (up to 100)',
        tags: ['packages'],
        responses: { 200: packageImportListSchema },
        errors: [],
      }),
    },
    async (request) => {
      const rows = await packageImports.listPackageImports((request.user as SessionUser).councilId, {
        limit: LIST_LIMIT,
      })
      return {
        imports: rows.map((row) => {
          const { rejected: _rejected, ...rest } = importJson(row)
          return rest
        }),
      }
    },
  )

  app.get(
    '/api/v1/packages/imports/:importId',
    {
      config: { access: IMPORTERS },
      schema: operation({
        summary: 'One import of your council’s book of packages, with its rejected rows',
        tags: ['packages'],
        params: importParams,
        responses: { 200: onePackageImportSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const { importId } = parseInput(importParams, request.params)
      return {
        import: importJson(
          await packageImports.getPackageImport((request.user as SessionUser).councilId, importId),
        ),
      }
    },
  )
}
