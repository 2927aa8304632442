// The broker's allocation page: the optimiser's proposal beside the greedy one, why each person
// goes where, and confirmation of all or part of it through the normal award.

import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { SessionUser } from '../../accounts/service.ts'
import { ValidationError } from '../../errors.ts'
import { field } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import { fieldList } from '../offers/forms.ts'
import type { BrokerageServices } from '../services.ts'
import type { AllocationProposal, ConfirmationOutcome } from './service.ts'

const BROKERS = ['broker'] as const

export const allocationCapabilities: Capability[] = [
  {
    href: '/allocation',
    label: 'Allocation',
    description:
      'Propose who goes where when many people must be placed at once, compare it with first come, best score, and confirm the awards.',
    roles: BROKERS,
    // Reached with the market's events: a closure is where many people need placing at once.
    section: 'market',
  },
]

export interface AllocationRouteOptions {
  allocation: BrokerageServices['allocation']
  /** The re-sourcing requests of a market event's failure response (the market keeps the cases). */
  requestsOfEvent: (councilId: number, eventId: number) => Promise<number[]>
}

const MAX_IDS = 5_000

/** "12,15" → [12, 15]; a 400 for anything else. */
function requestIdsOf(value: string): number[] | undefined {
  const text = value.trim()
  if (text === '') return undefined
  const parts = text.split(/[\s,]+/).filter(Boolean)
  if (parts.length > MAX_IDS || parts.some((p) => !/^\d{1,9}$/.test(p) || Number(p) < 1)) {
    throw new ValidationError([
      { field: 'requests', message: 'Enter request IDs as numbers separated by commas, like 12, 15, 31' },
    ])
  }
  return [...new Set(parts.map(Number))]
}

function proposalView(proposal: AllocationProposal) {
  const people = proposal.people.map((p) => ({
    ...p,
    proposed: p.optimal
      ? `${p.optimal.option.locationName}${p.optimal.option.offerId === null ? ' (no offer yet)' : ''}`
      : 'Not placed',
    greedyText: p.greedy ? p.greedy.option.locationName : 'Not placed',
  }))
  return {
    proposal,
    people,
    // One placement for each offer the proposal uses: home care split between providers has several.
    confirmable: proposal.optimal.assignments
      .filter((a) => a.option.offerId !== null)
      .map((a) => {
        const p = people.find((q) => q.requestId === a.requestId)
        const visits = a.visitIds
          ? ` (${a.visitIds.length} ${a.visitIds.length === 1 ? 'visit' : 'visits'})`
          : ''
        return {
          value: `${a.requestId}:${a.option.offerId}`,
          text: `${p?.label ?? 'Request'} (request ${a.requestId}) to ${a.option.locationName}${visits}`,
          hint: { text: p?.why ?? '' },
        }
      }),
    toInvite: people.filter((p) => p.optimal && p.optimal.option.offerId === null),
  }
}

/** "?event=7" → 7; a 400 for anything else. */
function eventIdOf(value: string): number | undefined {
  const text = value.trim()
  if (text === '') return undefined
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1)
    throw new ValidationError([{ field: 'event', message: 'The market event must be a number, like 12' }])
  return Number(text)
}

export const allocationRoutes: FastifyPluginAsync<AllocationRouteOptions> = async (
  app,
  { allocation, requestsOfEvent },
) => {
  const show = async (
    reply: FastifyReply,
    user: SessionUser,
    query: { requests: string; requestIds?: number[] },
    options: { status?: number; outcomes?: ConfirmationOutcome[]; error?: string } = {},
  ) => {
    const requestIds = query.requestIds ?? requestIdsOf(query.requests)
    const proposal = await allocation.proposeAllocation(user.councilId, { requestIds })
    return reply.code(options.status ?? 200).view('brokerage/allocation/views/allocation.njk', {
      pageTitle: 'Allocation',
      ...proposalView(proposal),
      requests: query.requests,
      outcomes: options.outcomes ?? null,
      awarded: (options.outcomes ?? []).filter((o) => o.packageId !== null).length,
      confirmError: options.error ?? null,
    })
  }

  app.get('/allocation', { config: { access: BROKERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const eventId = eventIdOf(field(request.query, 'event'))
    // A failure response's people are its re-sourcing requests: the page then works on those.
    if (eventId === undefined) return show(reply, user, { requests: field(request.query, 'requests') })
    const requestIds = await requestsOfEvent(user.councilId, eventId)
    return show(reply, user, { requests: requestIds.join(', '), requestIds })
  })

  app.post('/allocation', { config: { access: BROKERS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const requests = field(request.body, 'requests')
    const chosen = fieldList(request.body, 'placements')
    if (chosen.some((c) => !/^\d{1,9}:\d{1,9}$/.test(c))) {
      throw new ValidationError([{ field: 'placements', message: 'Choose placements from the proposal' }])
    }
    const reason = field(request.body, 'choiceReason').trim()
    if (chosen.length === 0) {
      return show(
        reply,
        user,
        { requests },
        { status: 400, error: 'Choose at least one placement to confirm' },
      )
    }
    const proposal = await allocation.proposeAllocation(user.councilId, {
      requestIds: requestIdsOf(requests),
    })
    const why = new Map(proposal.people.map((p) => [p.requestId, p.why]))
    const visitsOf = new Map(
      proposal.optimal.assignments.map((a) => [`${a.requestId}:${a.option.offerId}`, a.visitIds]),
    )
    const outcomes = await allocation.confirmAllocation(
      user,
      chosen.map((c) => {
        const [requestId, offerId] = c.split(':').map(Number) as [number, number]
        return {
          requestId,
          offerId,
          choiceReason: reason || `Proposed by the allocation optimiser: ${why.get(requestId) ?? ''}`.trim(),
          visitIds: visitsOf.get(c),
        }
      }),
    )
    return show(reply, user, { requests }, { outcomes })
  })
}
