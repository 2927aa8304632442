import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { type FieldError, ValidationError } from '../../errors.ts'
import { chartMarkup } from '../../web/charts.ts'
import { field, formErrors } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import type { MarketServices } from '../services.ts'
import { sufficiencyHeatmap } from './charts.ts'
import {
  DEFAULT_SUFFICIENCY_THRESHOLDS,
  PLACEMENT_TYPE_LABELS,
  PLACEMENT_TYPES,
  RATING_LABELS,
  RATING_TAG_COLOURS,
  type SufficiencyThresholds,
  THRESHOLD_LIMITS,
} from './rules.ts'

const READERS = ['commissioner', 'council_admin'] as const
const ADMINS = ['council_admin'] as const

export const sufficiencyCapabilities: Capability[] = [
  {
    href: '/sufficiency',
    section: 'market',
    label: 'PCN sufficiency',
    description: 'See how hard it is to place people from each PCN area, by placement type.',
    roles: READERS,
  },
  {
    href: '/admin/sufficiency',
    section: 'admin',
    label: 'PCN sufficiency settings',
    description: 'Set the thresholds that rate each PCN area Sufficient, Medium or Low.',
    roles: ADMINS,
  },
]

const THRESHOLD_FIELDS = Object.keys(DEFAULT_SUFFICIENCY_THRESHOLDS) as (keyof SufficiencyThresholds)[]

const oneDecimal = (n: number) => (Math.round(n * 10) / 10).toLocaleString('en-GB')

/** What the PCN sufficiency pages are given: the services they call, nothing more. */
export interface SufficiencyRouteOptions {
  sufficiency: MarketServices['sufficiency']
}

export const sufficiencyRoutes: FastifyPluginAsync<SufficiencyRouteOptions> = async (
  app,
  { sufficiency },
) => {
  app.get('/sufficiency', { config: { access: READERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const matrix = await sufficiency.sufficiencyMatrix(user.councilId)
    const tag = (rating: keyof typeof RATING_LABELS) => ({
      // Both the colour and the word: colour is never the only cue.
      html: `<strong class="govuk-tag govuk-tag--${RATING_TAG_COLOURS[rating]}">${RATING_LABELS[rating]}</strong>`,
    })
    const ratingRows = matrix.rows.map((row) => [
      { text: row.pcnArea },
      ...row.cells.map((cell) => tag(cell.rating)),
    ])
    const figureRows = matrix.rows.flatMap((row) =>
      row.cells.map((cell) => [
        { text: row.pcnArea },
        { text: PLACEMENT_TYPE_LABELS[cell.placementType] },
        { text: String(cell.sourced + cell.notSourced), format: 'numeric' },
        {
          text: cell.successPercent === null ? 'No requests' : `${oneDecimal(cell.successPercent)}%`,
          format: 'numeric',
        },
        {
          text: cell.medianDaysToSource === null ? 'None sourced' : oneDecimal(cell.medianDaysToSource),
          format: 'numeric',
        },
        {
          text: cell.vacancies === null ? 'Not reported' : oneDecimal(cell.vacancies),
          format: 'numeric',
        },
        {
          text: `${cell.peopleSupported.toLocaleString('en-GB')} (${cell.peopleSupportedBrokered.toLocaleString('en-GB')} brokered)`,
          format: 'numeric',
        },
        tag(cell.rating),
      ]),
    )
    return reply.view('market/sufficiency/views/index.njk', {
      pageTitle: 'PCN sufficiency',
      matrix,
      thresholds: matrix.thresholds,
      isAdmin: user.role === 'council_admin',
      placementHeadings: PLACEMENT_TYPES.map((t) => ({ text: PLACEMENT_TYPE_LABELS[t] })),
      ratingRows,
      figureRows,
      chart:
        matrix.rows.length > 0
          ? await chartMarkup(sufficiencyHeatmap(matrix.rows), {
              id: 'sufficiency',
              title: 'Grid of the sufficiency rating of each PCN area for each placement type',
            })
          : null,
    })
  })

  const showSettings = async (
    reply: FastifyReply,
    user: SessionUser,
    options: { status?: number; values?: Record<string, string>; errors?: FieldError[]; saved?: boolean },
  ) => {
    const current = options.values ? null : await sufficiency.getSufficiencyThresholds(user.councilId)
    const values =
      options.values ?? Object.fromEntries(THRESHOLD_FIELDS.map((f) => [f, String(current?.[f] ?? '')]))
    return reply.code(options.status ?? 200).view('market/sufficiency/views/settings.njk', {
      pageTitle: 'PCN sufficiency settings',
      values,
      limits: THRESHOLD_LIMITS,
      defaults: DEFAULT_SUFFICIENCY_THRESHOLDS,
      saved: options.saved ?? false,
      ...formErrors(options.errors ?? []),
    })
  }

  app.get('/admin/sufficiency', { config: { access: ADMINS } }, async (request, reply) =>
    showSettings(reply, request.user as SessionUser, { saved: field(request.query, 'saved') === '1' }),
  )

  app.post('/admin/sufficiency', { config: { access: ADMINS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const values = Object.fromEntries(THRESHOLD_FIELDS.map((f) => [f, field(request.body, f)]))
    try {
      await sufficiency.updateSufficiencyThresholds(user.councilId, values, actorOf(user))
      return reply.redirect('/admin/sufficiency?saved=1', 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showSettings(reply, user, { status: 400, values, errors: error.errors })
      throw error
    }
  })
}
