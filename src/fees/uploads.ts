// A CSV file uploaded to the fees domain's forms and API (the rate book, cost returns), read into
// memory: such files are a few hundred rows.
import { Readable } from 'node:stream'
import type { MultipartFile } from '@fastify/multipart'
import type { FastifyRequest } from 'fastify'
import { ValidationError } from '../errors.ts'

export const MAX_UPLOAD_BYTES = 1024 * 1024

const uploads = new WeakMap<FastifyRequest, { bytes: Buffer; tooLarge: boolean }>()

export async function readUpload(request: FastifyRequest, part: MultipartFile): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of part.file) chunks.push(chunk as Buffer)
  uploads.set(request, { bytes: Buffer.concat(chunks), tooLarge: part.file.truncated })
  return part.filename
}

/** The uploaded file as a stream; `what` names its contents in the message when there is none. */
export function uploadOf(request: FastifyRequest, what: string): Readable {
  const upload = uploads.get(request)
  if (!upload || upload.bytes.length === 0)
    throw new ValidationError([{ field: 'file', message: `Select a CSV file of ${what}` }])
  if (upload.tooLarge)
    throw new ValidationError([{ field: 'file', message: 'The file must be smaller than 1 MB' }])
  return Readable.from([upload.bytes])
}
