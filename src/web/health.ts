import type { FastifyInstance } from 'fastify'
import type { DatabaseHandle } from '../db/connection.ts'

export interface HealthCheck {
  engine: DatabaseHandle['engine']
  check(): Promise<{ status: 'ok' | 'unavailable'; latencyMs: number }>
}

export function setUpHealth(app: FastifyInstance, health: HealthCheck): void {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Service and database health',
        tags: ['operations'],
        response: {
          200: { $ref: 'health#' },
          503: { $ref: 'health#' },
        },
      },
    },
    async (_request, reply) => {
      const check = await health.check()
      const healthy = check.status === 'ok'
      return reply.code(healthy ? 200 : 503).send({
        status: healthy ? 'ok' : 'unavailable',
        database: { status: check.status, engine: health.engine, latencyMs: check.latencyMs },
      })
    },
  )
}

export const healthSchema = {
  $id: 'health',
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    database: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['ok', 'unavailable'] },
        engine: { type: 'string', enum: ['pglite', 'postgres'] },
        latencyMs: { type: 'number' },
      },
    },
  },
}
