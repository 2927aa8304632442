import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { open, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { MultipartFile } from '@fastify/multipart'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { formatLondonDateTime } from '../../shared/dates.ts'
import { looksLikeWorkbook } from '../../spreadsheets/workbook.ts'
import { nulByteProblem, recordId } from '../../storable.ts'
import { operation } from '../../web/api-schema.ts'
import { field, formErrors } from '../../web/forms.ts'
import { acceptUploads } from '../../web/input.ts'
import type { Capability } from '../../web/navigation.ts'
import type { ProvidersServices } from '../services.ts'
import { sniffCqcFile } from './detect.ts'
import { type CqcImport, importProgress } from './import.ts'
import { localAuthorityOfCouncil } from './import-rules.ts'
import { workbookLayout } from './parse.ts'
import { CQC_FORMAT_LABELS, type CqcFormat } from './records.ts'
import { importListSchema, importUploadSchema, oneImportSchema } from './schemas.ts'

/** Pages this domain offers, for the navigation and each role's home page. */
export const cqcImportCapabilities: Capability[] = [
  {
    href: '/register/import',
    section: 'providers',
    label: 'Import the CQC register',
    description:
      'Keep the provider register up to date from a CQC register file, and see what each import changed.',
    roles: ['commissioner'],
  },
]

const IMPORTERS = ['commissioner'] as const
/** The national HSCA Active Locations sheet is about 40 MB as CSV; this leaves room for growth. */
const MAX_UPLOAD_BYTES = 200 * 1024 * 1024
const LIST_LIMIT = 100

const importParams = z.object({ importId: recordId('Import ID') })

interface Upload {
  path: string
  fileName: string
  bytes: number
  /** Cut off at MAX_UPLOAD_BYTES. */
  tooLarge: boolean
  /** Why the file is not text, when it holds a NUL byte. */
  notText?: string
}

// Uploads saved for a request, deleted when its response is sent unless an import has taken them.
const savedUploads = new WeakMap<FastifyRequest, Upload>()
const takenUploads = new WeakSet<Upload>()

/**
 * Streams the uploaded file to a temporary file: a register file is never held in memory. A NUL
 * byte is looked for on the way, so a file that is not text is refused before its import starts.
 */
async function saveUpload(request: FastifyRequest, part: MultipartFile): Promise<Upload> {
  const target = path.join(tmpdir(), `caremarket-cqc-${randomBytes(8).toString('hex')}`)
  const upload: Upload = {
    path: target,
    fileName: path.basename(part.filename || 'upload'),
    bytes: 0,
    tooLarge: false,
  }
  savedUploads.set(request, upload)
  let offset = 0
  let workbook = false
  const lookForNul = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      // A workbook is binary: it is checked by reading it (checkFile).
      if (offset === 0) workbook = looksLikeWorkbook(chunk)
      if (!workbook) upload.notText ??= nulByteProblem(chunk, offset)
      offset += chunk.length
      done(null, chunk)
    },
  })
  await pipeline(part.file, lookForNul, createWriteStream(target))
  upload.bytes = (await stat(target)).size
  upload.tooLarge = part.file.truncated
  return upload
}

async function firstBytes(file: string): Promise<Buffer> {
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(64 * 1024)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/**
 * Throws the ValidationError the import would, before it starts: from the first bytes of a text
 * file; a workbook is read as far as its register sheet's header row.
 */
async function checkFile(file: string): Promise<void> {
  const head = await firstBytes(file)
  if (looksLikeWorkbook(head)) await workbookLayout(createReadStream(file))
  else sniffCqcFile(head.toString('utf8'))
}

interface ImportRequest {
  upload: Upload
  localAuthority: string | null | undefined
  full: boolean
}

/** Reads the upload form; every problem is a field error, so the form can say what to fix. */
async function readImportForm(request: FastifyRequest): Promise<ImportRequest> {
  const body = request.body as Record<string, unknown> | undefined
  const upload = savedUploads.get(request)
  const localAuthority = field(body, 'localAuthority').trim()
  const allLocalAuthorities = field(body, 'allLocalAuthorities') === 'yes'
  const errors: FieldError[] = []
  if (!upload || upload.bytes === 0) errors.push({ field: 'file', message: 'Select a CQC register file' })
  else if (upload.tooLarge)
    errors.push({
      field: 'file',
      message: `The file must be smaller than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`,
    })
  else if (upload.notText) errors.push({ field: 'file', message: upload.notText })
  else {
    try {
      await checkFile(upload.path)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      errors.push(...error.errors)
    }
  }
  if (localAuthority.length > 200)
    errors.push({ field: 'localAuthority', message: 'The local authority must be 200 characters or fewer' })
  if (localAuthority && allLocalAuthorities)
    errors.push({
      field: 'localAuthority',
      message: 'Leave the local authority empty to keep every local authority in the file',
    })
  if (errors.length > 0) throw new ValidationError(errors)
  return {
    upload: upload as Upload,
    localAuthority: allLocalAuthorities ? null : localAuthority || undefined,
    full: field(body, 'full') === 'yes',
  }
}

/** Starts the import in the background; the upload is deleted once it has finished. */
async function beginImport(
  cqcImports: Pick<ProvidersServices['cqcImports'], 'startCqcImport'>,
  request: FastifyRequest,
  form: ImportRequest,
): Promise<number> {
  const user = request.user as SessionUser
  takenUploads.add(form.upload)
  const input = createReadStream(form.upload.path)
  const { importId, finished } = await cqcImports
    .startCqcImport({
      councilId: user.councilId,
      input,
      fileName: form.upload.fileName,
      bytesTotal: form.upload.bytes,
      localAuthority: form.localAuthority,
      full: form.full,
      actor: actorOf(user),
    })
    .catch(async (error: unknown) => {
      input.destroy()
      await rm(form.upload.path, { force: true })
      throw error
    })
  finished
    .catch((error: unknown) => {
      // A bad file is the user's to fix and is shown on the report page; anything else is ours.
      if (!(error instanceof ValidationError))
        request.log.error({ err: error, importId }, 'CQC import failed')
    })
    .finally(() => rm(form.upload.path, { force: true }))
  return importId
}

const number = new Intl.NumberFormat('en-GB')

/** An import as the API gives it, with live progress while it runs in this process. */
function importJson(row: CqcImport) {
  const live = row.status === 'running' ? importProgress(row.id) : undefined
  return {
    id: row.id,
    source: row.source as 'file' | 'api',
    fileName: row.fileName,
    changesFrom: row.changesFrom,
    changesTo: row.changesTo,
    format: row.format,
    status: row.status,
    full: row.full,
    localAuthority: row.localAuthority,
    bytesTotal: row.bytesTotal,
    bytesRead: live?.bytesRead ?? row.bytesRead,
    rowsRead: live?.rowsRead ?? null,
    added: row.added,
    updated: row.updated,
    unchanged: row.unchanged,
    deactivated: row.deactivated,
    ended: row.deactivated,
    rejected: row.rejected,
    error: row.error,
    startedBy: row.startedBy,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  }
}

function percentRead(row: ReturnType<typeof importJson>): number | null {
  if (!row.bytesTotal) return null
  return Math.min(100, Math.floor((row.bytesRead / row.bytesTotal) * 100))
}

function describeImport(row: CqcImport) {
  const json = importJson(row)
  return {
    ...json,
    formatLabel: row.format ? CQC_FORMAT_LABELS[row.format as CqcFormat] : null,
    percent: percentRead(json),
    statusLabel: { running: 'Running', completed: 'Completed', failed: 'Failed' }[row.status] ?? row.status,
    statusClass: { running: 'govuk-tag--blue', completed: 'govuk-tag--green', failed: 'govuk-tag--red' }[
      row.status
    ],
    rowsReadText: json.rowsRead === null ? null : number.format(json.rowsRead),
    /** What was imported, as the list and report name it. */
    sourceLabel:
      row.source === 'api' && row.changesFrom && row.changesTo
        ? `CQC API: changes from ${formatLondonDateTime(row.changesFrom)} to ${formatLondonDateTime(row.changesTo)}`
        : row.fileName,
  }
}

/** What the CQC import's pages and API are given: the services they call, nothing more. */
export interface CqcImportRouteOptions {
  cqcImports: Pick<ProvidersServices['cqcImports'], 'startCqcImport' | 'getCqcImport' | 'listCqcImports'>
}

export const cqcImportRoutes: FastifyPluginAsync<CqcImportRouteOptions> = async (app, { cqcImports }) => {
  // Here, so only this plugin's routes accept multipart bodies. Fields come in the body, so the
  // CSRF token is read from the form like any other; a file over the limit is reported on the form.
  await acceptUploads(app, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, parts: 12 },
    onFile: saveUpload,
  })
  app.addHook('onResponse', async (request) => {
    const upload = savedUploads.get(request)
    if (upload && !takenUploads.has(upload)) await rm(upload.path, { force: true })
  })

  const showForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    errors: FieldError[] = [],
  ) => {
    const user = request.user as SessionUser
    const body = request.body as Record<string, unknown> | undefined
    return reply.code(status).view('providers/cqc/views/import.njk', {
      pageTitle: 'Import the CQC register',
      councilLocalAuthority: localAuthorityOfCouncil(user.councilName),
      maxMegabytes: MAX_UPLOAD_BYTES / 1024 / 1024,
      values: {
        localAuthority: field(body, 'localAuthority'),
        allLocalAuthorities: field(body, 'allLocalAuthorities') === 'yes',
        full: field(body, 'full') === 'yes',
      },
      ...formErrors(errors),
    })
  }

  app.get('/register/import', { config: { access: IMPORTERS } }, async (request, reply) =>
    showForm(request, reply, 200),
  )

  app.post('/register/import', { config: { access: IMPORTERS } }, async (request, reply) => {
    let form: ImportRequest
    try {
      form = await readImportForm(request)
    } catch (error) {
      if (error instanceof ValidationError) return showForm(request, reply, 400, error.errors)
      throw error
    }
    const importId = await beginImport(cqcImports, request, form)
    return reply.redirect(`/register/import/${importId}`, 303)
  })

  app.get('/register/import/:importId', { config: { access: IMPORTERS } }, async (request, reply) => {
    const { importId } = parseInput(importParams, request.params)
    const row = await cqcImports.getCqcImport((request.user as SessionUser).councilId, importId)
    const view = describeImport(row)
    return reply.view('providers/cqc/views/import-report.njk', {
      pageTitle:
        row.status === 'running'
          ? row.source === 'api'
            ? 'Importing CQC’s changes'
            : `Importing ${row.fileName}`
          : row.status === 'completed'
            ? 'Import complete'
            : 'The import failed',
      item: view,
      counts: [
        { label: 'Added', value: view.added },
        { label: 'Updated', value: view.updated },
        { label: 'Unchanged', value: view.unchanged },
        { label: 'Marked inactive', value: view.deactivated },
        { label: 'Rejected', value: view.rejected.length },
      ],
    })
  })

  app.get('/register/imports', { config: { access: IMPORTERS } }, async (request, reply) => {
    const rows = await cqcImports.listCqcImports((request.user as SessionUser).councilId, {
      limit: LIST_LIMIT,
    })
    return reply.view('providers/cqc/views/imports.njk', {
      pageTitle: 'CQC imports',
      imports: rows.map((row) => describeImport({ ...row, rejected: [] })),
      limit: LIST_LIMIT,
    })
  })

  app.get(
    '/api/v1/register/imports',
    {
      config: { access: IMPORTERS },
      schema: operation({
        summary: 'Your council’s CQC imports, newest first (up to 100)',
        tags: ['register'],
        responses: { 200: importListSchema },
        errors: [],
      }),
    },
    async (request) => {
      const rows = await cqcImports.listCqcImports((request.user as SessionUser).councilId, {
        limit: LIST_LIMIT,
      })
      return {
        imports: rows.map((row) => {
          const { rejected: _rejected, ...rest } = importJson({ ...row, rejected: [] })
          return rest
        }),
      }
    },
  )

  app.get(
    '/api/v1/register/imports/:importId',
    {
      config: { access: IMPORTERS },
      schema: operation({
        summary: 'One CQC import: its progress while it runs, then its report',
        tags: ['register'],
        params: importParams,
        responses: { 200: oneImportSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const { importId } = parseInput(importParams, request.params)
      return {
        import: importJson(await cqcImports.getCqcImport((request.user as SessionUser).councilId, importId)),
      }
    },
  )

  app.post(
    '/api/v1/register/imports',
    {
      config: { access: IMPORTERS },
      schema: operation({
        summary:
          'Upload a CQC register file (multipart/form-data: file, and optionally localAuthority, ' +
          'allLocalAuthorities=yes, full=yes). The import runs in the background; poll the import it returns.',
        tags: ['register'],
        consumes: ['multipart/form-data'],
        body: importUploadSchema,
        responses: { 202: oneImportSchema },
        errors: [409, 413, 415],
      }),
    },
    async (request, reply) => {
      const importId = await beginImport(cqcImports, request, await readImportForm(request))
      const row = await cqcImports.getCqcImport((request.user as SessionUser).councilId, importId)
      return reply
        .code(202)
        .header('location', `/api/v1/register/imports/${importId}`)
        .send({ import: importJson(row) })
    },
  )
}
