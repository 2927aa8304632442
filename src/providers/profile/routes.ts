import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { recordId } from '../../storable.ts'
import { COUNCIL_STAFF } from '../../web/access.ts'
import { operation } from '../../web/api-schema.ts'
import { field, formErrors } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import type { ProvidersServices } from '../services.ts'
import { SERVICE_TYPE_LABELS, SPECIALISM_LABELS, SPECIALISMS } from '../vocabulary.ts'
import { MAX_LANGUAGES } from './rules.ts'
import { profileSchema } from './schemas.ts'
import { coversDistricts, type LocationProfile, type OrganisationScope } from './service.ts'

/** Pages this domain offers, for the navigation and each role's home page. */
export const profileCapabilities: Capability[] = [
  {
    href: '/provider/profile',
    section: 'organisation',
    label: 'Your profile',
    description:
      'Keep your contacts, the districts your home care covers, specialisms, languages and care workers up to date, so the council can match people to you.',
    roles: ['provider_user'],
  },
]

const idParams = z.object({ id: recordId('ID') })

function scopeOf(user: SessionUser): OrganisationScope {
  return { councilId: user.councilId, providerOrganisationId: user.providerOrganisationId as number }
}

const WORKER_LABELS = { yes: 'Yes', no: 'No', not_stated: 'Not stated' } as const

function describe(profile: LocationProfile) {
  return {
    ...profile,
    serviceTypeLabels: profile.serviceTypes
      .map((t) => SERVICE_TYPE_LABELS[t as keyof typeof SERVICE_TYPE_LABELS] ?? t)
      .join(', '),
    specialismLabels: profile.specialisms
      .map((s) => SPECIALISM_LABELS[s as keyof typeof SPECIALISM_LABELS] ?? s)
      .join(', '),
    maleLabel: WORKER_LABELS[profile.maleCareWorkers],
    femaleLabel: WORKER_LABELS[profile.femaleCareWorkers],
    coversDistricts: coversDistricts(profile) || profile.coverage.length > 0,
  }
}

/** A repeated form field (checkboxes) as a list; one value arrives as a string, none as nothing. */
function list(body: unknown, name: string): string[] {
  const value = (body as Record<string, unknown> | null | undefined)?.[name]
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
  return typeof value === 'string' && value !== '' ? [value] : []
}

/** What the provider profile pages and API are given: the services they call, nothing more. */
export interface ProfileRouteOptions {
  profile: ProvidersServices['profile']
}

export const profileRoutes: FastifyPluginAsync<ProfileRouteOptions> = async (
  app,
  { profile: profileService },
) => {
  const showProfile = async (
    reply: FastifyReply,
    user: SessionUser,
    status: number,
    extra: { values?: Record<string, string>; errors?: FieldError[]; banner?: string } = {},
  ) => {
    const profile = await profileService.getProviderProfile(scopeOf(user))
    return reply.code(status).view('providers/profile/views/profile.njk', {
      pageTitle: 'Your profile',
      organisation: profile.organisation,
      contacts: profile.contacts,
      locations: profile.locations.map(describe),
      values: extra.values ?? {},
      banner: extra.banner,
      ...formErrors(extra.errors ?? []),
    })
  }

  const BANNERS: Record<string, string> = {
    'contact-added': 'Contact added.',
    'contact-removed': 'Contact removed.',
    'location-saved': 'Location profile saved.',
  }

  app.get('/provider/profile', { config: { access: ['provider_user'] } }, async (request, reply) =>
    showProfile(reply, request.user as SessionUser, 200, { banner: BANNERS[field(request.query, 'done')] }),
  )

  app.post(
    '/provider/profile/contacts',
    { config: { access: ['provider_user'] } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const values = {
        name: field(request.body, 'name'),
        jobTitle: field(request.body, 'jobTitle'),
        email: field(request.body, 'email'),
        phone: field(request.body, 'phone'),
      }
      try {
        await profileService.addContact(scopeOf(user), actorOf(user), values)
      } catch (error) {
        if (error instanceof ValidationError)
          return showProfile(reply, user, 400, { values, errors: error.errors })
        throw error
      }
      return reply.redirect('/provider/profile?done=contact-added#contacts', 303)
    },
  )

  app.post(
    '/provider/profile/contacts/:id/remove',
    { config: { access: ['provider_user'] } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { id } = parseInput(idParams, request.params)
      await profileService.removeContact(scopeOf(user), actorOf(user), id)
      return reply.redirect('/provider/profile?done=contact-removed#contacts', 303)
    },
  )

  const showLocation = (
    reply: FastifyReply,
    status: number,
    profile: LocationProfile,
    values: Record<string, unknown>,
    errors: FieldError[] = [],
  ) =>
    reply.code(status).view('providers/profile/views/location-profile.njk', {
      pageTitle: `${profile.name}: profile`,
      location: describe(profile),
      values,
      specialismItems: SPECIALISMS.map((value) => ({
        value,
        text: SPECIALISM_LABELS[value],
        checked: (values.specialisms as string[]).includes(value),
      })),
      maxLanguages: MAX_LANGUAGES,
      ...formErrors(errors),
    })

  app.get(
    '/provider/profile/locations/:id',
    { config: { access: ['provider_user'] } },
    async (request, reply) => {
      const { id } = parseInput(idParams, request.params)
      const profile = await profileService.getLocationProfile(scopeOf(request.user as SessionUser), id)
      return showLocation(reply, 200, profile, {
        coverage: profile.coverage.join(', '),
        specialisms: profile.specialisms,
        languages: profile.languages.join(', '),
        maleCareWorkers: profile.maleCareWorkers,
        femaleCareWorkers: profile.femaleCareWorkers,
      })
    },
  )

  app.post(
    '/provider/profile/locations/:id',
    { config: { access: ['provider_user'] } },
    async (request, reply) => {
      const user = request.user as SessionUser
      const { id } = parseInput(idParams, request.params)
      const profile = await profileService.getLocationProfile(scopeOf(user), id)
      const values = {
        // Only home care locations are shown the coverage field; others leave coverage as it is.
        coverage: describe(profile).coversDistricts ? field(request.body, 'coverage') : undefined,
        specialisms: list(request.body, 'specialisms'),
        languages: field(request.body, 'languages'),
        maleCareWorkers: field(request.body, 'maleCareWorkers'),
        femaleCareWorkers: field(request.body, 'femaleCareWorkers'),
      }
      try {
        await profileService.updateLocationProfile(scopeOf(user), actorOf(user), id, values)
      } catch (error) {
        if (error instanceof ValidationError) return showLocation(reply, 400, profile, values, error.errors)
        throw error
      }
      return reply.redirect('/provider/profile?done=location-saved', 303)
    },
  )

  app.get(
    '/api/v1/locations/:id/profile',
    {
      config: { access: [...COUNCIL_STAFF, 'provider_user'] },
      schema: operation({
        summary: 'A location’s profile: coverage, specialisms, languages and care workers',
        tags: ['providers'],
        params: idParams,
        responses: { 200: profileSchema },
        errors: [404],
      }),
    },
    async (request) => {
      const user = request.user as SessionUser
      const { id } = parseInput(idParams, request.params)
      const profile = await profileService.getLocationProfile(
        { councilId: user.councilId, providerOrganisationId: user.providerOrganisationId },
        id,
      )
      return { profile }
    },
  )
}
