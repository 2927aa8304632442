// The JSON API's schemas are Zod schemas: the same objects that validate input and type it also
// describe each operation in /openapi.json, turned into JSON Schema by Zod's own z.toJSONSchema.
import type { SwaggerTransformObject } from '@fastify/swagger'
import type { FastifySchema, FastifySchemaCompiler } from 'fastify'
import { z } from 'zod'
import { jsonSchemaOf } from '../shared/json-schema.ts'

/** The one shape of every error the JSON API answers with (see respond in errors.ts). */
const apiError = z
  .object({
    error: z.object({
      status: z.int().min(400).max(599).describe('The HTTP status, repeated'),
      message: z.string().describe('What is wrong, in plain English'),
      errors: z
        .array(z.object({ field: z.string(), message: z.string() }))
        .optional()
        .describe('For input that breaks a rule: each field at fault and why'),
    }),
  })
  .describe('An error: its status and message, and for bad input each field at fault')

const ERROR_REF = { $ref: '#/components/schemas/Error' }

/** What each error status means across the API; an operation lists the ones it can answer. */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The input breaks a rule: the field at fault and why',
  401: 'No session and no valid API token',
  403: 'Your role does not allow this',
  404: 'Not found, or not in your council or organisation',
  409: 'The record is not in a state that allows this, or has changed since',
  413: 'The body is too large',
  415: 'The body is neither JSON nor a form',
  422: 'Well formed, but cannot be carried out as sent',
  429: 'Too many attempts',
}

const SUCCESS_DESCRIPTIONS: Record<number, string> = { 200: 'Done', 201: 'Made', 202: 'Accepted: under way' }

/** Every API operation may answer these: bad input, no credentials, the wrong role. */
const COMMON_ERRORS = [400, 401, 403] as const

type Responses = Record<number, z.ZodType>

/**
 * The schema of one API operation. `params`, `querystring` and `headers` are the Zod schemas the
 * handler parses with (parseInput); `body` is the one the service parses with. Fastify does not
 * validate these again (see zodSchemasOnly): validation stays where it is, so its messages and
 * order are the service's.
 */
export function operation(spec: {
  summary: string
  description?: string
  tags: string[]
  params?: z.ZodType
  querystring?: z.ZodType
  headers?: z.ZodType
  /** One schema, or one for each content type the operation takes (e.g. text/csv and multipart/form-data). */
  body?: z.ZodType | { content: Record<string, { schema: z.ZodType }> }
  /** Content types other than JSON, e.g. multipart/form-data for an upload. */
  consumes?: string[]
  responses: Responses
  errors: readonly number[]
  /** Open data anyone may read: no credentials, so neither a 401 nor a 403. */
  open?: boolean
}): FastifySchema {
  const { responses, errors, open, ...rest } = spec
  const response: Record<number, z.ZodType> = { ...responses }
  const common = open ? [400] : COMMON_ERRORS
  for (const status of new Set([...common, ...errors])) response[status] = apiError
  return { ...rest, ...(open ? { security: [] } : {}), response }
}

/** Fastify neither compiles nor checks Zod schemas: handlers and services parse with them. */
export const zodSchemasOnly: FastifySchemaCompiler<unknown> = ({ schema, url }) => {
  if (!(schema instanceof z.ZodType)) throw new Error(`The schema of ${url} must be a Zod schema`)
  return () => true
}

/** Answers are written as handlers return them; their schemas document them (tests hold them to it). */
export const serializeAsIs = () => (data: unknown) => JSON.stringify(data)

/** For @fastify/swagger: each route's Zod schemas as JSON Schema, errors as references to Error. */
export function zodToOpenApi({ schema, url }: { schema: FastifySchema; url: string }) {
  if (!schema || schema.hide) return { schema, url }
  const converted: Record<string, unknown> = { ...schema }
  for (const part of ['params', 'querystring', 'headers', 'body'] as const) {
    const zod = schema[part]
    if (zod instanceof z.ZodType) converted[part] = jsonSchemaOf(zod, 'input')
  }
  const bodies = (schema.body as { content?: Record<string, { schema: unknown }> } | undefined)?.content
  if (bodies)
    converted.body = {
      content: Object.fromEntries(
        Object.entries(bodies).map(([type, { schema: zod }]) => [
          type,
          { schema: zod instanceof z.ZodType ? jsonSchemaOf(zod, 'input') : zod },
        ]),
      ),
    }
  if (schema.response) {
    const response: Record<string, unknown> = {}
    for (const [status, zod] of Object.entries(schema.response as Record<string, unknown>)) {
      if (zod === apiError) {
        response[status] = {
          description: ERROR_DESCRIPTIONS[Number(status)] ?? 'An error',
          content: { 'application/json': { schema: ERROR_REF } },
        }
      } else if (zod instanceof z.ZodType) {
        const json = jsonSchemaOf(zod, 'output')
        response[status] = {
          description:
            (json.description as string | undefined) ?? SUCCESS_DESCRIPTIONS[Number(status)] ?? 'Done',
          content: { 'application/json': { schema: json } },
        }
      } else response[status] = zod
    }
    converted.response = response
  }
  return { schema: converted, url }
}

/** The Error schema, for the document's components. */
export const errorComponent = () => jsonSchemaOf(apiError, 'output')

interface DocumentOperation {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: { required?: string[] } }> }
}

/** A body with no required field may be left out: @fastify/swagger marks every body required. */
export const finishDocument: SwaggerTransformObject = (document) => {
  if (!('openapiObject' in document)) return document.swaggerObject
  for (const item of Object.values(document.openapiObject.paths ?? {})) {
    for (const operation of Object.values(item ?? {}) as DocumentOperation[]) {
      const body = operation?.requestBody
      const schemas = Object.values(body?.content ?? {})
      if (body && schemas.every((media) => !media.schema?.required?.length)) body.required = false
    }
  }
  return document.openapiObject
}
