// A CSV file uploaded to a cost returns form or the API, read into memory: a provider's file is a
// few rows per location and year.
import { Readable } from 'node:stream'
import type { MultipartFile } from '@fastify/multipart'
import type { FastifyRequest } from 'fastify'
import { ValidationError } from '../../errors.ts'

export const MAX_UPLOAD_BYTES = 1024 * 1024

const uploads = new WeakMap<FastifyRequest, { bytes: Buffer; tooLarge: boolean }>()

export async function readUpload(request: FastifyRequest, part: MultipartFile): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of part.file) chunks.push(chunk as Buffer)
  uploads.set(request, { bytes: Buffer.concat(chunks), tooLarge: part.file.truncated })
  return part.filename
}

export function uploadOf(request: FastifyRequest): Readable {
  const upload = uploads.get(request)
  if (!upload || upload.bytes.length === 0)
    throw new ValidationError([{ field: 'file', message: 'Select a CSV file of cost returns' }])
  if (upload.tooLarge)
    throw new ValidationError([{ field: 'file', message: 'The file must be smaller than 1 MB' }])
  return Readable.from([upload.bytes])
}
