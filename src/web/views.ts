import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyView from '@fastify/view'
import type { FastifyInstance } from 'fastify'
import nunjucks from 'nunjucks'
import { exampleDate, formatLondonDate, formatLondonDateTime } from '../shared/dates.ts'

export { exampleDate }

const require = createRequire(import.meta.url)
export const govukFrontendDir = path.join(
  path.dirname(require.resolve('govuk-frontend/package.json')),
  'dist',
)
/** Templates are named from src/, e.g. "accounts/views/sign-in.njk", beside govuk-frontend's own. */
export const sourceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** Caremarket's own versions of a few govuk-frontend macros, found before govuk-frontend's. */
const overridesDir = path.join(sourceDir, 'web', 'views', 'overrides')

/**
 * An instant as the UI shows it, in Europe/London (the database keeps UTC); nothing for a value
 * that is no date, rather than a RangeError mid-page.
 */
export function formatted(
  format: (instant: Date) => string,
  value: Date | string | null | undefined,
): string {
  const date = value ? new Date(value) : null
  return date && !Number.isNaN(date.getTime()) ? format(date) : ''
}

function addFilters(env: nunjucks.Environment): void {
  env.addGlobal('exampleDate', exampleDate)
  env.addFilter('londonDateTime', (value: Date | string | null | undefined) =>
    formatted(formatLondonDateTime, value),
  )
  env.addFilter('londonDate', (value: Date | string | null | undefined) => formatted(formatLondonDate, value))
  env.addFilter('number', (value: number | null | undefined) =>
    value == null ? '' : value.toLocaleString('en-GB'),
  )
}

/**
 * Each template is compiled once per process, whatever NODE_ENV says: templates ship with the code
 * and change only with a restart, and compiling the large market pages on every request took more
 * of the request's time than reading their figures.
 */
export async function setUpViews(app: FastifyInstance): Promise<void> {
  await app.register(fastifyView, {
    engine: { nunjucks },
    templates: [overridesDir, govukFrontendDir, sourceDir],
    production: true,
    options: { autoescape: true, noCache: false, onConfigure: addFilters },
  })
}
