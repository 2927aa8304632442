// For tests: the Open Referral UK 3.0 schemas, built from HSDS 3.0's table schemas patched by the
// UK profile (test/fixtures/openreferral), compiled with Ajv for JSON Schema 2020-12.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/openreferral')

// HSDS describes tables for Frictionless Data too; these keywords are notes, not rules.
const ANNOTATIONS = [
  'name',
  'path',
  'datapackage_metadata',
  'datapackage_type',
  'tabular_required',
  'constraints',
  'core',
  'example',
]

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** JSON Merge Patch (RFC 7396): null removes, objects merge, anything else replaces. */
function mergePatch(target: Json, patch: Json): Json {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch
  const result: { [key: string]: Json } =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = mergePatch(result[key] ?? null, value)
  }
  return result
}

function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8')) as Json
}

/** Each table's schema under the UK profile, keyed by file name (`service.json`). */
function orukTableSchemas(): Map<string, { [key: string]: Json }> {
  const tables = new Map<string, { [key: string]: Json }>()
  for (const file of readdirSync(join(FIXTURES, 'hsds')).filter((f) => f.endsWith('.json'))) {
    let schema = readJson(join(FIXTURES, 'hsds', file))
    try {
      schema = mergePatch(schema, readJson(join(FIXTURES, 'uk-profile', file)))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) throw new Error(file)
    // Closed, so a field the UK profile leaves out (or a misspelt one) fails rather than passing unseen.
    tables.set(file, { ...schema, $id: file, additionalProperties: false })
  }
  return tables
}

/** The Page envelope of every list (HSDS openapi.json, components/schemas/Page), all fields required. */
function pageOf(itemRef: string) {
  const integer = { type: 'integer', minimum: 0 }
  return {
    type: 'object',
    required: [
      'total_items',
      'total_pages',
      'page_number',
      'size',
      'first_page',
      'last_page',
      'empty',
      'contents',
    ],
    additionalProperties: false,
    properties: {
      total_items: integer,
      total_pages: integer,
      page_number: { type: 'integer', minimum: 1 },
      size: integer,
      first_page: { type: 'boolean' },
      last_page: { type: 'boolean' },
      empty: { type: 'boolean' },
      contents: { type: 'array', items: { $ref: itemRef } },
    },
  }
}

/** The `/` endpoint's answer (HSDS openapi.json, path `/`). */
const ROOT = {
  type: 'object',
  required: ['version', 'profile', 'openapi_url'],
  additionalProperties: false,
  properties: {
    version: { type: 'string' },
    profile: { type: 'string', format: 'uri' },
    openapi_url: { type: 'string', format: 'uri' },
  },
}

export interface OrukValidators {
  root: ValidateFunction
  service: ValidateFunction
  serviceList: ValidateFunction
  taxonomy: ValidateFunction
  taxonomyList: ValidateFunction
  taxonomyTerm: ValidateFunction
  taxonomyTermList: ValidateFunction
}

export function orukValidators(): OrukValidators {
  const ajv = new Ajv2020({ allErrors: true })
  addFormats.default(ajv)
  for (const keyword of ANNOTATIONS) ajv.addKeyword(keyword)
  for (const schema of orukTableSchemas().values()) ajv.addSchema(schema)
  const schemaOf = (id: string) => {
    const validate = ajv.getSchema(id)
    if (!validate) throw new Error(`No schema ${id}`)
    return validate
  }
  return {
    root: ajv.compile(ROOT),
    service: schemaOf('service.json'),
    serviceList: ajv.compile(pageOf('service.json')),
    taxonomy: schemaOf('taxonomy.json'),
    taxonomyList: ajv.compile(pageOf('taxonomy.json')),
    taxonomyTerm: schemaOf('taxonomy_term.json'),
    taxonomyTermList: ajv.compile(pageOf('taxonomy_term.json')),
  }
}
