// The broker's page for a request's usual price: where it comes from (the rate book at the start
// date, the broker's override, or the price the social worker typed when no rate applies), and the
// form to set the band or override the price with a reason.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { BAND_LABELS, BANDS, unitLabel } from '../../fees/rates/rules.ts'
import { formatPounds, formatPoundsInput } from '../../shared/money.ts'
import { recordId } from '../../storable.ts'
import { field, formErrors } from '../../web/forms.ts'
import { REQUEST_SERVICE_TYPE_LABELS } from '../rules/vocabulary.ts'
import type { BrokerageServices } from '../services.ts'
import type { UsualPrice } from './usual-price.ts'

const BROKERS = ['broker'] as const
const params = z.object({ id: recordId('Request ID') })

const SOURCE_TEXT: Record<UsualPrice['source'], string> = {
  rate_book: 'The council’s rate book, at the request’s start date',
  override: 'The broker’s usual price, in place of the rate book’s',
  typed: 'No rate in the council’s rate book applies, so the usual price the social worker gave is used',
  none: 'No rate in the council’s rate book applies and no usual price was given: offers are not compared with a usual price',
}

export interface UsualPriceRouteOptions {
  requests: Pick<BrokerageServices['requests'], 'getRequest'>
  usualPrice: BrokerageServices['usualPrice']
}

export const usualPriceRoutes: FastifyPluginAsync<UsualPriceRouteOptions> = async (
  app,
  { requests, usualPrice },
) => {
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    options: { status?: number; values?: Record<string, string>; errors?: FieldError[] } = {},
  ) => {
    const user = request.user as SessionUser
    const { id } = parseInput(params, request.params)
    const sourcing = await requests.getRequest(user, id)
    const usual = await usualPrice.getUsualPrice(user.councilId, id)
    const unit = sourcing.priceUnit ? ` ${unitLabel(sourcing.priceUnit)}` : ''
    const money = (pence: number | null) => (pence === null ? 'None' : `${formatPounds(pence)}${unit}`)
    return reply.code(options.status ?? 200).view('brokerage/requests/views/usual-price.njk', {
      pageTitle: `Usual price for request ${id}`,
      requestId: id,
      service: sourcing.serviceType ? REQUEST_SERVICE_TYPE_LABELS[sourcing.serviceType] : 'Not chosen yet',
      startDate: sourcing.startDate,
      usual: {
        ...usual,
        price: money(usual.pricePence),
        rate: money(usual.ratePence),
        typed: money(usual.typedPence),
        sourceText: SOURCE_TEXT[usual.source],
        bandLabel: BAND_LABELS[usual.band] ?? usual.band,
      },
      bands: BANDS.map((value) => ({ value, text: BAND_LABELS[value] })),
      values: options.values ?? {
        band: usual.band,
        overridePrice: usual.source === 'override' ? formatPoundsInput(usual.pricePence) : '',
        reason: usual.overrideReason ?? '',
      },
      saved: field(request.query, 'saved') === '1',
      ...formErrors(options.errors ?? []),
    })
  }

  app.get('/requests/:id/usual-price', { config: { access: BROKERS } }, async (request, reply) =>
    show(request, reply),
  )

  app.post('/requests/:id/usual-price', { config: { access: BROKERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { id } = parseInput(params, request.params)
    // Scope: the request must be one this broker may see in their council.
    await requests.getRequest(user, id)
    const values = {
      band: field(request.body, 'band'),
      overridePrice: field(request.body, 'overridePrice'),
      reason: field(request.body, 'reason'),
    }
    try {
      await usualPrice.setUsualPrice(user.councilId, id, values, actorOf(user))
      return reply.redirect(`/requests/${id}/usual-price?saved=1`, 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return show(request, reply, { status: 400, values, errors: error.errors })
      throw error
    }
  })
}
