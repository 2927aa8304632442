// Zod schemas as JSON Schema, by Zod's own z.toJSONSchema: how /openapi.json describes the API.
import { z } from 'zod'

/**
 * Fields read through a transform (a date, a postcode) accept anything and report a missing value
 * themselves, so Zod cannot tell they are required: marked here, the document says so.
 */
const requiredFields = new WeakSet<z.ZodType>()
export function requiredInput<T extends z.ZodType>(schema: T): T {
  requiredFields.add(schema)
  return schema
}

/** A Zod schema as JSON Schema 2020-12, as OpenAPI 3.1 takes it. `io` is which side of a transform. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io,
    // Transforms (a form's blank field, pounds typed as text) accept any JSON; the field's own
    // metadata says what it expects.
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      // Zod's bounds of a safe integer and its patterns for ISO dates say no more than the type and format.
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum
      if (jsonSchema.format === 'date' || jsonSchema.format === 'date-time') delete jsonSchema.pattern
      const shape = zodSchema._zod.def.type === 'object' ? (zodSchema as unknown as z.ZodObject).shape : null
      if (io === 'input' && shape) {
        const required = new Set(jsonSchema.required ?? [])
        for (const [key, field] of Object.entries(shape)) if (requiredFields.has(field)) required.add(key)
        if (required.size > 0) jsonSchema.required = [...required]
      }
    },
  })
  return json
}
