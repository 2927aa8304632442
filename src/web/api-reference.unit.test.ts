import { describe, expect, it } from 'vitest'
import { apiReference, typeOf } from './api-reference.ts'

describe('the API reference page', () => {
  it('groups operations by their first tag and keeps their parameters, body and answers', () => {
    const sections = apiReference({
      info: { title: 'Caremarket API', version: '1' },
      paths: {
        '/api/v1/requests/{id}': {
          get: {
            summary: 'A request',
            tags: ['requests'],
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
            responses: {
              '200': {
                description: 'The request',
                content: { 'application/json': { schema: { type: 'object' } } },
              },
              '404': { description: 'Not found' },
            },
          },
          patch: {
            tags: ['requests'],
            requestBody: { required: true, content: { 'application/json': { schema: { required: ['x'] } } } },
            responses: {},
          },
        },
        '/api/v1/capacity': { get: { summary: 'Capacity', tags: ['capacity'], responses: {} } },
      },
    })
    expect(sections.map((s) => [s.tag, s.operations.length])).toEqual([
      ['Requests', 2],
      ['Capacity', 1],
    ])
    const [get, patch] = sections[0]?.operations ?? []
    expect(get).toMatchObject({
      id: 'get-api-v1-requests-id',
      method: 'GET',
      parameters: [{ name: 'id', in: 'path', required: true, type: 'integer', description: '' }],
      responses: [
        { status: '200', description: 'The request', schema: '{\n  "type": "object"\n}' },
        { status: '404', description: 'Not found', schema: undefined },
      ],
    })
    expect(patch?.summary).toBe('PATCH /api/v1/requests/{id}')
    expect(patch?.requestBody).toEqual({ required: true, schema: '{\n  "required": [\n    "x"\n  ]\n}' })
  })

  it('names types in a few words', () => {
    expect(typeOf({ type: 'string', format: 'date' })).toBe('string (date)')
    expect(typeOf({ type: 'string', enum: ['open', 'closed'] })).toBe('one of: open, closed')
    expect(typeOf({ type: 'array', items: { type: 'integer' } })).toBe('list of integer')
    expect(typeOf({ $ref: '#/components/schemas/Error' })).toBe('Error')
    expect(typeOf(undefined)).toBe('')
  })
})
