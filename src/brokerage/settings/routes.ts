import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { ConflictError, type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { dateFromForm, field, formErrors } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import { DEFAULT_BROKERAGE_SETTINGS, MAX_DISTANCE_LIMIT_MILES } from '../rules/index.ts'
import type { BrokerageServices } from '../services.ts'
import type { BankHoliday } from './service.ts'

const ADMINS = ['council_admin'] as const

/** Pages this domain offers, for the navigation and each role's home page. */
export const settingsCapabilities: Capability[] = [
  {
    href: '/admin/settings',
    section: 'admin',
    label: 'Brokerage settings',
    description: 'Set the weights for scoring offers, the maximum distance and the response windows.',
    roles: ADMINS,
  },
  {
    href: '/admin/bank-holidays',
    section: 'admin',
    label: 'Bank holidays',
    description: 'Keep the bank holidays that response deadlines skip up to date.',
    roles: ADMINS,
  },
]

const SETTINGS_FIELDS = [
  'qualityWeight',
  'priceWeight',
  'distanceWeight',
  'maxDistanceMiles',
  'emergencyHours',
  'routineWorkingDays',
  'daysPerBlock',
  'capacityStaleDays',
  'lateStartPointsPerDay',
  'handBackNoticeDays',

  'confirmationWorkingDays',
  'allocationSameProvider',
] as const

const dateParams = z.object({ date: z.string() })
const bannerQuery = z.object({
  added: z.iso.date().optional().catch(undefined),
  removed: z.iso.date().optional().catch(undefined),
})

/** Holidays grouped by year, for one table per year. */
function byYear(holidays: BankHoliday[]): { year: string; holidays: BankHoliday[] }[] {
  const years = new Map<string, BankHoliday[]>()
  for (const holiday of holidays) {
    const year = holiday.date.slice(0, 4)
    years.set(year, [...(years.get(year) ?? []), holiday])
  }
  return [...years].map(([year, list]) => ({ year, holidays: list }))
}

/** What the brokerage settings pages are given: the services they call, nothing more. */
export interface SettingsRouteOptions {
  brokerageSettings: BrokerageServices['brokerageSettings']
}

export const settingsRoutes: FastifyPluginAsync<SettingsRouteOptions> = async (
  app,
  { brokerageSettings },
) => {
  const showSettings = async (
    reply: FastifyReply,
    user: SessionUser,
    options: { status?: number; values?: Record<string, string>; errors?: FieldError[]; saved?: boolean },
  ) => {
    const current = await brokerageSettings.getBrokerageSettings(user.councilId)
    const values =
      options.values ??
      Object.fromEntries(
        SETTINGS_FIELDS.map((name) => {
          const value = current[name]
          return [name, typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value)]
        }),
      )
    return reply.code(options.status ?? 200).view('brokerage/settings/views/settings.njk', {
      pageTitle: 'Brokerage settings',
      values,
      defaults: DEFAULT_BROKERAGE_SETTINGS,
      maxDistanceLimit: MAX_DISTANCE_LIMIT_MILES,
      saved: options.saved ?? false,
      ...formErrors(options.errors ?? []),
    })
  }

  app.get('/admin/settings', { config: { access: ADMINS } }, async (request, reply) =>
    showSettings(reply, request.user as SessionUser, { saved: field(request.query, 'saved') === '1' }),
  )

  app.post('/admin/settings', { config: { access: ADMINS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const values = Object.fromEntries(SETTINGS_FIELDS.map((name) => [name, field(request.body, name)]))
    try {
      await brokerageSettings.updateBrokerageSettings(user.councilId, values, actorOf(user))
      return reply.redirect('/admin/settings?saved=1', 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showSettings(reply, user, { status: 400, values, errors: error.errors })
      throw error
    }
  })

  const showHolidays = async (
    reply: FastifyReply,
    user: SessionUser,
    options: {
      status?: number
      values?: Record<string, string>
      errors?: FieldError[]
      added?: string
      removed?: string
    },
  ) => {
    const holidays = await brokerageSettings.listBankHolidays(user.councilId)
    const { errorList, fieldErrors } = formErrors(options.errors ?? [])
    return reply.code(options.status ?? 200).view('brokerage/settings/views/bank-holidays.njk', {
      pageTitle: 'Bank holidays',
      years: byYear(holidays),
      lastDate: holidays[holidays.length - 1]?.date ?? null,
      values: options.values ?? {},
      added: options.added,
      removed: options.removed,
      // The GOV.UK date input is linked from the error summary by its first box.
      errorList: errorList.map((e) => (e.href === '#date' ? { ...e, href: '#date-day' } : e)),
      fieldErrors,
    })
  }

  app.get('/admin/bank-holidays', { config: { access: ADMINS } }, async (request, reply) => {
    // Set by the redirects below; anything but a date is not worth a banner.
    const { added, removed } = bannerQuery.safeParse(request.query).data ?? {}
    return showHolidays(reply, request.user as SessionUser, { added, removed })
  })

  app.post('/admin/bank-holidays', { config: { access: ADMINS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const values = {
      'date-day': field(request.body, 'date-day'),
      'date-month': field(request.body, 'date-month'),
      'date-year': field(request.body, 'date-year'),
      name: field(request.body, 'name'),
    }
    try {
      const holiday = await brokerageSettings.addBankHoliday(
        user.councilId,
        { date: dateFromForm(request.body, 'date'), name: values.name },
        actorOf(user),
      )
      return reply.redirect(`/admin/bank-holidays?added=${holiday.date}`, 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showHolidays(reply, user, { status: 400, values, errors: error.errors })
      if (error instanceof ConflictError)
        return showHolidays(reply, user, {
          status: 409,
          values,
          errors: [{ field: 'date', message: error.message }],
        })
      throw error
    }
  })

  app.post('/admin/bank-holidays/:date/delete', { config: { access: ADMINS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const { date } = parseInput(dateParams, request.params)
    const removed = await brokerageSettings.removeBankHoliday(user.councilId, date, actorOf(user))
    return reply.redirect(`/admin/bank-holidays?removed=${removed.date}`, 303)
  })
}
