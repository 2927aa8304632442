import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { formatPoundsInput, formatPoundsShort } from '../../shared/money.ts'
import { recordId } from '../../storable.ts'
import { operation } from '../../web/api-schema.ts'
import { field, formErrors } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import { dateParam, periodBoxes, typedPeriodValues } from '../period.ts'
import type { MarketServices } from '../services.ts'
import {
  FIGURE_FIELDS,
  type FigureField,
  hoursOf,
  hoursText,
  KIND_FIGURES,
  MARKET_EVENT_KIND_HINTS,
  MARKET_EVENT_KIND_LABELS,
  MARKET_EVENT_KINDS,
  type MarketEventKind,
} from './rules.ts'
import { marketEventsListSchema } from './schemas.ts'
import { type EventPlace, type MarketEventView, type PlaceInput, periodSchema } from './service.ts'

/** Commissioners record and correct events; brokers read them too, as they re-source the people affected. */
const READERS = ['broker', 'commissioner', 'council_admin'] as const
const EDITORS = ['commissioner', 'council_admin'] as const

export const marketEventsCapabilities: Capability[] = [
  {
    href: '/market-events',
    section: 'market',
    label: 'Market events',
    description:
      'See provider exits, closures and openings, the beds, hours and people they affected, and the cost of market failure.',
    roles: READERS,
  },
]

const eventParams = z.object({ id: recordId('Market event ID') })

const DATE_FIELDS = ['from', 'to', 'occurredOn']

/** The error summary links a date to its first box, as the GOV.UK date input pattern asks. */
function pageErrors(errors: FieldError[]) {
  const { errorList, fieldErrors } = formErrors(errors)
  return {
    errorList: errorList.map((e) =>
      DATE_FIELDS.includes(e.href.slice(1)) ? { ...e, href: `${e.href}-day` } : e,
    ),
    fieldErrors,
  }
}

const money = (pence: number | null | undefined) => (pence == null ? null : formatPoundsShort(pence))

const hours = (minutes: number) => hoursOf(minutes)

const KINDS = MARKET_EVENT_KINDS.map((value) => ({
  value,
  text: MARKET_EVENT_KIND_LABELS[value],
  hint: MARKET_EVENT_KIND_HINTS[value],
}))

/** Step one's answers, from a query or a form: the date as boxes or as one YYYY-MM-DD value. */
function placeInput(source: unknown): PlaceInput & { occurredOn: string } {
  return {
    kind: field(source, 'kind').trim(),
    locationId: field(source, 'locationId').trim(),
    providerId: field(source, 'providerId').trim(),
    occurredOn: dateParam(source, 'occurredOn'),
  }
}

function placeValues(source: unknown): Record<string, string> {
  const input = placeInput(source)
  const [year, month, day] = input.occurredOn === 'invalid' ? [] : input.occurredOn.split('-')
  return {
    kind: input.kind as string,
    locationId: input.locationId as string,
    providerId: input.providerId as string,
    'occurredOn-day': field(source, 'occurredOn-day') || (day ? String(Number(day)) : ''),
    'occurredOn-month': field(source, 'occurredOn-month') || (month ? String(Number(month)) : ''),
    'occurredOn-year': field(source, 'occurredOn-year') || (year ?? ''),
  }
}

/** Step one's answers as a query string, for the details page and its "Change" links. */
function placeQuery(place: EventPlace): string {
  return new URLSearchParams({
    kind: place.kind,
    ...(place.location
      ? { locationId: String(place.location.id) }
      : { providerId: String(place.provider.id) }),
    occurredOn: place.occurredOn,
  }).toString()
}

function figureValues(source: unknown): Record<string, string> {
  const values: Record<string, string> = { notes: field(source, 'notes') }
  for (const name of FIGURE_FIELDS) values[name] = field(source, name)
  return values
}

function eventFigureValues(event: MarketEventView): Record<string, string> {
  const [year, month, day] = event.occurredOn.split('-') as [string, string, string]
  return {
    'occurredOn-day': String(Number(day)),
    'occurredOn-month': String(Number(month)),
    'occurredOn-year': year,
    bedsLost: String(event.bedsLost),
    bedsGained: String(event.bedsGained),
    homeCareHoursLost: hoursText(event.homeCareMinutesLost) || '0',
    homeCareHoursGained: hoursText(event.homeCareMinutesGained) || '0',
    peopleAffected: String(event.peopleAffected),
    extraCost: formatPoundsInput(event.extraCostPence),
    notes: event.notes,
  }
}

function shown(kind: MarketEventKind): Record<FigureField, boolean> {
  return Object.fromEntries(FIGURE_FIELDS.map((name) => [name, KIND_FIGURES[kind].includes(name)])) as Record<
    FigureField,
    boolean
  >
}

function mayEdit(user: SessionUser): boolean {
  return (EDITORS as readonly string[]).includes(user.role)
}

/** What the market events' pages and API are given: the services they call, nothing more. */
export interface MarketEventsRouteOptions {
  marketEvents: MarketServices['marketEvents']
}

export const marketEventsRoutes: FastifyPluginAsync<MarketEventsRouteOptions> = async (
  app,
  { marketEvents },
) => {
  // The list ------------------------------------------------------------------------------------

  app.get('/market-events', { config: { access: READERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const common = { pageTitle: 'Market events', money, hours, mayEdit: mayEdit(user) }
    try {
      const list = await marketEvents.listMarketEvents(user.councilId, {
        from: dateParam(request.query, 'from'),
        to: dateParam(request.query, 'to'),
      })
      await marketEvents.recordMarketEventsVisit(user)
      return reply.view('market/events/views/list.njk', {
        ...common,
        list,
        values: periodBoxes(list),
        apiHref: `/api/v1/market-events?from=${list.from}&to=${list.to}`,
        errorList: [],
        fieldErrors: {},
      })
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return reply.code(400).view('market/events/views/list.njk', {
        ...common,
        list: null,
        values: typedPeriodValues(request.query),
        ...pageErrors(error.errors),
      })
    }
  })

  // Recording: what happened, where and when; then the figures -----------------------------------

  const showPlaceForm = async (
    reply: FastifyReply,
    user: SessionUser,
    status: number,
    values: Record<string, string>,
    errors: FieldError[],
  ) =>
    reply.code(status).view('market/events/views/new.njk', {
      pageTitle: 'Record a market event',
      kinds: KINDS,
      options: await marketEvents.placeOptions(user.councilId),
      values,
      ...pageErrors(errors),
    })

  const showFiguresForm = async (
    reply: FastifyReply,
    user: SessionUser,
    status: number,
    place: EventPlace,
    values: Record<string, string> | null,
    errors: FieldError[],
  ) => {
    const defaults = await marketEvents.eventDefaults(user.councilId, place)
    return reply.code(status).view('market/events/views/figures.njk', {
      pageTitle: 'Record a market event',
      mode: 'new',
      action: '/market-events',
      place,
      kindLabel: MARKET_EVENT_KIND_LABELS[place.kind],
      changeHref: `/market-events/new?${placeQuery(place)}`,
      shown: shown(place.kind),
      defaults,
      values: values ?? defaults.values,
      hours,
      ...pageErrors(errors),
    })
  }

  app.get('/market-events/new', { config: { access: EDITORS } }, async (request, reply) => {
    const values = placeValues(request.query)
    // A location page links here with its location chosen.
    values.locationId ||= field(request.query, 'location').trim()
    return showPlaceForm(reply, request.user as SessionUser, 200, values, [])
  })

  app.get('/market-events/new/details', { config: { access: EDITORS } }, async (request, reply) => {
    const user = request.user as SessionUser
    try {
      const place = await marketEvents.checkEventPlace(user.councilId, placeInput(request.query))
      return showFiguresForm(reply, user, 200, place, null, [])
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return showPlaceForm(reply, user, 400, placeValues(request.query), error.errors)
    }
  })

  app.post('/market-events', { config: { access: EDITORS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const input = placeInput(request.body)
    let place: EventPlace
    try {
      place = await marketEvents.checkEventPlace(user.councilId, input)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return showPlaceForm(reply, user, 400, placeValues(request.body), error.errors)
    }
    const values = figureValues(request.body)
    try {
      const event = await marketEvents.recordMarketEvent(
        user.councilId,
        { ...input, ...values },
        actorOf(user),
      )
      return reply.redirect(`/market-events/${event.id}?done=recorded`, 303)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return showFiguresForm(reply, user, 400, place, values, error.errors)
    }
  })

  // One event -----------------------------------------------------------------------------------

  const DONE: Record<string, string> = {
    recorded: 'Market event recorded',
    updated: 'Market event updated',
    withdrawn: 'Market event withdrawn',
  }

  app.get('/market-events/:id', { config: { access: READERS } }, async (request, reply) => {
    const { id } = parseInput(eventParams, request.params)
    const user = request.user as SessionUser
    const event = await marketEvents.getMarketEvent(user.councilId, id)
    return reply.view('market/events/views/event.njk', {
      pageTitle: event.kindLabel,
      event,
      shown: shown(event.kind),
      mayEdit: mayEdit(user) && event.withdrawnAt === null,
      successMessage: DONE[field(request.query, 'done')] ?? null,
      money,
      hours,
    })
  })

  const showEditForm = async (
    reply: FastifyReply,
    user: SessionUser,
    id: number,
    status: number,
    values: Record<string, string> | null,
    errors: FieldError[],
  ) => {
    const event = await marketEvents.getMarketEvent(user.councilId, id)
    if (event.withdrawnAt) return reply.redirect(`/market-events/${id}`, 303)
    return reply.code(status).view('market/events/views/figures.njk', {
      pageTitle: 'Change a market event',
      mode: 'edit',
      action: `/market-events/${id}`,
      event,
      kindLabel: event.kindLabel,
      shown: shown(event.kind),
      values: values ?? eventFigureValues(event),
      hours,
      ...pageErrors(errors),
    })
  }

  app.get('/market-events/:id/edit', { config: { access: EDITORS } }, async (request, reply) => {
    const { id } = parseInput(eventParams, request.params)
    return showEditForm(reply, request.user as SessionUser, id, 200, null, [])
  })

  app.post('/market-events/:id', { config: { access: EDITORS } }, async (request, reply) => {
    const { id } = parseInput(eventParams, request.params)
    const user = request.user as SessionUser
    const values = {
      ...figureValues(request.body),
      'occurredOn-day': field(request.body, 'occurredOn-day'),
      'occurredOn-month': field(request.body, 'occurredOn-month'),
      'occurredOn-year': field(request.body, 'occurredOn-year'),
    }
    try {
      await marketEvents.updateMarketEvent(
        user.councilId,
        id,
        { ...values, occurredOn: dateParam(request.body, 'occurredOn') },
        actorOf(user),
      )
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return showEditForm(reply, user, id, 400, values, error.errors)
    }
    return reply.redirect(`/market-events/${id}?done=updated`, 303)
  })

  const showWithdrawForm = async (
    reply: FastifyReply,
    user: SessionUser,
    id: number,
    status: number,
    values: Record<string, string>,
    errors: FieldError[],
  ) => {
    const event = await marketEvents.getMarketEvent(user.councilId, id)
    if (event.withdrawnAt) return reply.redirect(`/market-events/${id}`, 303)
    return reply.code(status).view('market/events/views/withdraw.njk', {
      pageTitle: 'Withdraw a market event',
      event,
      values,
      ...pageErrors(errors),
    })
  }

  app.get('/market-events/:id/withdraw', { config: { access: EDITORS } }, async (request, reply) => {
    const { id } = parseInput(eventParams, request.params)
    return showWithdrawForm(reply, request.user as SessionUser, id, 200, {}, [])
  })

  app.post('/market-events/:id/withdraw', { config: { access: EDITORS } }, async (request, reply) => {
    const { id } = parseInput(eventParams, request.params)
    const user = request.user as SessionUser
    const values = { reason: field(request.body, 'reason') }
    try {
      await marketEvents.withdrawMarketEvent(user.councilId, id, values, actorOf(user))
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return showWithdrawForm(reply, user, id, 400, values, error.errors)
    }
    return reply.redirect(`/market-events/${id}?done=withdrawn`, 303)
  })

  // API -----------------------------------------------------------------------------------------

  app.get(
    '/api/v1/market-events',
    {
      config: { access: READERS },
      schema: operation({
        summary:
          'Market events in a period: provider exits, closures, deregistrations, openings and changes in capacity, with the beds, home care hours and people affected and the extra cost of the failures, and their totals',
        description:
          'Query parameters, both optional: from and to (YYYY-MM-DD; by default the year to today). Events are those that happened in the period, newest first; withdrawn events are listed with withdrawnAt set and left out of the summary. Home care is in hours a week and costs in pence; an extra cost not yet known is null. A bad value answers 400 with the field at fault.',
        tags: ['market'],
        querystring: periodSchema,
        responses: { 200: marketEventsListSchema },
        errors: [],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const list = await marketEvents.listMarketEvents(user.councilId, {
        from: field(request.query, 'from').trim(),
        to: field(request.query, 'to').trim(),
      })
      return {
        from: list.from,
        to: list.to,
        summary: list.summary,
        events: list.events.map((e) => ({
          id: e.id,
          kind: e.kind,
          kindLabel: e.kindLabel,
          failure: e.failure,
          occurredOn: e.occurredOn,
          providerOrganisationId: e.providerOrganisationId,
          providerName: e.providerName,
          locationId: e.locationId,
          locationName: e.locationName,
          locality: e.locality,
          bedsLost: e.bedsLost,
          bedsGained: e.bedsGained,
          homeCareHoursLost: hoursOf(e.homeCareMinutesLost),
          homeCareHoursGained: hoursOf(e.homeCareMinutesGained),
          peopleAffected: e.peopleAffected,
          peopleCounted: e.peopleCounted,
          extraCostPence: e.extraCostPence,
          notes: e.notes,
          source: e.source,
          cqcImportId: e.cqcImportId,
          recordedAt: e.recordedAt,
          recordedBy: e.recordedBy,
          updatedAt: e.updatedAt,
          updatedBy: e.updatedBy,
          withdrawnAt: e.withdrawnAt,
          withdrawnBy: e.withdrawnBy,
          withdrawReason: e.withdrawReason,
        })),
      }
    },
  )
}
