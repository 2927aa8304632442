// The API reference at /docs: the OpenAPI description (/openapi.json) read as a GOV.UK page, so it
// is as accessible as the rest of Caremarket. Everything on it comes from the description itself.

type Schema = Record<string, unknown>

interface OpenApiOperation {
  summary?: string
  description?: string
  tags?: string[]
  deprecated?: boolean
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Schema }[]
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> }
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>
}

export interface OpenApiDocument {
  info: { title: string; version: string; description?: string }
  paths?: Record<string, Record<string, OpenApiOperation>>
}

interface ReferenceOperation {
  /** A fragment id for links, e.g. "get-api-v1-requests-id". */
  id: string
  method: string
  path: string
  summary: string
  description?: string
  parameters: { name: string; in: string; required: boolean; type: string; description: string }[]
  requestBody?: { required: boolean; schema: string }
  responses: { status: string; description: string; schema?: string }[]
}

export interface ReferenceSection {
  tag: string
  id: string
  operations: ReferenceOperation[]
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

/** A parameter's type in a few words: "integer", "string (date)", "one of: open, closed". */
export function typeOf(schema: Schema | undefined): string {
  if (!schema) return ''
  if (Array.isArray(schema.enum)) return `one of: ${schema.enum.join(', ')}`
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop() ?? ''
  if (schema.type === 'array') return `list of ${typeOf(schema.items as Schema | undefined) || 'values'}`
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : String(schema.type ?? 'any')
  return schema.format ? `${type} (${schema.format})` : type
}

const json = (schema: Schema | undefined) => (schema ? JSON.stringify(schema, null, 2) : undefined)
const firstSchema = (content: Record<string, { schema?: Schema }> | undefined) =>
  content ? Object.values(content)[0]?.schema : undefined

/** The operations of the description grouped by their first tag, in the order the description has them. */
export function apiReference(document: OpenApiDocument): ReferenceSection[] {
  const sections = new Map<string, ReferenceSection>()
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method]
      if (!operation) continue
      const name = operation.tags?.[0] ?? 'other'
      const tag = name.charAt(0).toUpperCase() + name.slice(1)
      let section = sections.get(tag)
      if (!section) {
        section = { tag, id: slug(tag), operations: [] }
        sections.set(tag, section)
      }
      const body = operation.requestBody
      section.operations.push({
        id: slug(`${method} ${path}`),
        method: method.toUpperCase(),
        path,
        summary: operation.summary ?? `${method.toUpperCase()} ${path}`,
        description: operation.description,
        parameters: (operation.parameters ?? []).map((p) => ({
          name: p.name,
          in: p.in,
          required: Boolean(p.required),
          type: typeOf(p.schema),
          description: p.description ?? '',
        })),
        requestBody: body
          ? { required: Boolean(body.required), schema: json(firstSchema(body.content)) ?? '' }
          : undefined,
        responses: Object.entries(operation.responses ?? {}).map(([status, response]) => ({
          status,
          description: response.description ?? '',
          schema: json(firstSchema(response.content)),
        })),
      })
    }
  }
  return [...sections.values()]
}
