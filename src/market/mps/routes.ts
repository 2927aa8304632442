import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { z } from 'zod'
import { actorOf, type SessionUser } from '../../accounts/service.ts'
import { REQUEST_SERVICE_TYPE_LABELS } from '../../brokerage/rules/vocabulary.ts'
import { type FieldError, parseInput, ValidationError } from '../../errors.ts'
import { BAND_LABELS, CLIENT_GROUP_LABELS, rateUnit, unitLabel } from '../../fees/rates/rules.ts'
import type { Rate } from '../../fees/rates/service.ts'
import { financialYearLabel, financialYearOf, MAX_YEAR, MIN_YEAR } from '../../fees/uplifts/rules.ts'
import { upliftParams } from '../../fees/uplifts/schemas.ts'
import type { PublishedUplift } from '../../fees/uplifts/service.ts'
import { todayInLondon } from '../../providers/quality/service.ts'
import { formatPounds } from '../../shared/money.ts'
import { csvText } from '../../web/csv.ts'
import { field, formErrors } from '../../web/forms.ts'
import type { Capability } from '../../web/navigation.ts'
import type { MarketServices } from '../services.ts'
import { renderNarrative } from './markdown.ts'
import { MAX_SUPPRESSION_THRESHOLD, MIN_SUPPRESSION_THRESHOLD } from './rules.ts'
import { MPS_SECTORS, type MpsSector, SECTOR_DEFINITIONS } from './sectors.ts'
import {
  KEY_DATA_COLUMNS,
  keyDataCsvRows,
  keyDataTable,
  MAX_NARRATIVE_LENGTH,
  NARRATIVE_SECTIONS,
  type Narrative,
  sectorOrNotFound,
} from './service.ts'

/** Commissioners write the statement; the council admin may too, and sets its suppression threshold. */
const EDITORS = ['commissioner', 'council_admin'] as const
const ADMINS = ['council_admin'] as const

export const mpsCapabilities: Capability[] = [
  {
    href: '/market-position',
    section: 'market',
    label: 'Market Position Statement',
    description: 'Write what the council tells providers about each sector; the key data is published live.',
    roles: EDITORS,
  },
  {
    href: '/admin/market-position',
    section: 'admin',
    label: 'Market Position Statement settings',
    description: 'Set the smallest number the public Market Position Statement shows.',
    roles: ADMINS,
  },
]

const publicParams = z.object({ code: z.string() })
const sectorParams = z.object({ code: z.string(), sector: z.string() })
const editParams = z.object({ sector: z.string() })

const publicBase = (code: string) => `/councils/${encodeURIComponent(code)}/market-position`

function sectorLinks(code: string) {
  return MPS_SECTORS.map((slug) => ({
    slug,
    title: SECTOR_DEFINITIONS[slug].title,
    summary: SECTOR_DEFINITIONS[slug].summary,
    href: `${publicBase(code)}/${slug}`,
  }))
}

/** What the Market Position Statement's pages are given: the services they call, nothing more. */
export interface MpsRouteOptions {
  mps: MarketServices['mps']
  /** The fees domain's published figures: the rate book on a date, and the chosen uplifts of a year. */
  fees: {
    ratesAt: (councilId: number, date: string) => Promise<Rate[]>
    publishedUplift: (councilId: number, year: number) => Promise<PublishedUplift | null>
  }
}

const feesYearParams = z.object({ code: z.string(), year: upliftParams.shape.year })

export const mpsRoutes: FastifyPluginAsync<MpsRouteOptions> = async (app, { mps, fees }) => {
  // Public pages: anyone may read the statement, signed in or not.

  // Fees: the rate book in force on 1 April of the year, and how the year's uplifts were decided
  // (the chosen scenario only: scenarios still being weighed are never published).
  const showFees = async (reply: FastifyReply, code: string, year: number) => {
    const council = await mps.publicCouncil(code)
    const firstDay = `${year}-04-01`
    const [rates, uplift] = await Promise.all([
      fees.ratesAt(council.id, firstDay),
      fees.publishedUplift(council.id, year),
    ])
    const base = publicBase(council.code)
    return reply.view('market/mps/views/fees.njk', {
      pageTitle: `Fees ${financialYearLabel(year)}: ${council.name} Market Position Statement`,
      council,
      year,
      yearLabel: financialYearLabel(year),
      firstDay,
      rates: rates.map((rate) => ({
        service: REQUEST_SERVICE_TYPE_LABELS[rate.serviceType],
        clientGroup: CLIENT_GROUP_LABELS[rate.clientGroup],
        band: BAND_LABELS[rate.band],
        locality: rate.localityName ?? 'All localities',
        price: formatPounds(rate.pricePence),
        unit: unitLabel(rateUnit(rate.serviceType)),
      })),
      uplift: uplift && {
        ...uplift,
        sectors: uplift.sectors.map((s) => ({
          label: s.label,
          uplift: `${(s.upliftPercent ?? 0).toLocaleString('en-GB', { maximumFractionDigits: 2 })}%`,
          newRate: s.newRate
            ? `At least ${formatPounds(s.newRate.pence)} ${s.newRate.unit === 'weekly' ? 'a week' : 'an hour'}`
            : '',
        })),
      },
      indexHref: base,
      previousHref: year > MIN_YEAR ? `${base}/fees/${year - 1}` : null,
      nextHref: year < MAX_YEAR ? `${base}/fees/${year + 1}` : null,
    })
  }

  app.get(
    '/councils/:code/market-position/fees',
    { config: { access: 'public' } },
    async (request, reply) => {
      const { code } = publicParams.parse(request.params)
      return showFees(reply, code, financialYearOf(todayInLondon()))
    },
  )

  app.get(
    '/councils/:code/market-position/fees/:year',
    { config: { access: 'public' } },
    async (request, reply) => {
      const { code, year } = parseInput(feesYearParams, request.params)
      return showFees(reply, code, year)
    },
  )

  app.get('/councils/:code/market-position', { config: { access: 'public' } }, async (request, reply) => {
    const { code } = publicParams.parse(request.params)
    const council = await mps.publicCouncil(code)
    return reply.view('market/mps/views/index.njk', {
      pageTitle: `${council.name} Market Position Statement`,
      council,
      sectors: sectorLinks(council.code),
      feesHref: `${publicBase(council.code)}/fees`,
    })
  })

  app.get(
    '/councils/:code/market-position/:sector',
    { config: { access: 'public' } },
    async (request, reply) => {
      const params = sectorParams.parse(request.params)
      const council = await mps.publicCouncil(params.code)
      const sector = sectorOrNotFound(params.sector)
      const today = todayInLondon()
      const [data, narrative] = await Promise.all([
        mps.keyData(council.id, sector, today),
        mps.getNarrative(council.id, sector),
      ])
      const definition = SECTOR_DEFINITIONS[sector]
      return reply.view('market/mps/views/sector.njk', {
        pageTitle: `${definition.title}: ${council.name} Market Position Statement`,
        council,
        definition,
        today,
        // Figures are live, so a sector without narrative is as current as today.
        lastUpdated: narrative.updatedAt ?? today,
        threshold: data.threshold,
        bookLoadedAt: data.bookLoadedAt,
        byLots: data.rows.some((r) => r.byLots),
        headings: KEY_DATA_COLUMNS.map((c) => c.heading),
        table: keyDataTable(data),
        sections: NARRATIVE_SECTIONS.map((s) => ({
          title: s.title,
          html: narrative[s.field] ? renderNarrative(narrative[s.field]) : '',
        })),
        csvHref: `${publicBase(council.code)}/${sector}/key-data.csv`,
        indexHref: publicBase(council.code),
        otherSectors: sectorLinks(council.code).filter((s) => s.slug !== sector),
      })
    },
  )

  app.get(
    '/councils/:code/market-position/:sector/key-data.csv',
    { config: { access: 'public' } },
    async (request, reply) => {
      const params = sectorParams.parse(request.params)
      const council = await mps.publicCouncil(params.code)
      const sector = sectorOrNotFound(params.sector)
      const data = await mps.keyData(council.id, sector)
      return reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="market-position-${council.code.toLowerCase()}-${sector}-${data.today}.csv"`,
        )
        .send(csvText(keyDataCsvRows(data)))
    },
  )

  // Commissioners' pages.

  app.get('/market-position', { config: { access: EDITORS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const dates = await mps.narrativeDates(user.councilId)
    return reply.view('market/mps/views/manage.njk', {
      pageTitle: 'Market Position Statement',
      publicHref: publicBase(user.councilCode),
      isAdmin: user.role === 'council_admin',
      sectors: sectorLinks(user.councilCode).map((s) => ({
        ...s,
        editHref: `/market-position/${s.slug}/edit`,
        updatedAt: dates.get(s.slug) ?? null,
      })),
    })
  })

  const showEdit = async (
    reply: FastifyReply,
    user: SessionUser,
    sector: MpsSector,
    options: { status?: number; values?: Record<string, string>; errors?: FieldError[]; saved?: boolean },
  ) => {
    const narrative: Narrative | null = options.values ? null : await mps.getNarrative(user.councilId, sector)
    const values =
      options.values ??
      Object.fromEntries(NARRATIVE_SECTIONS.map((s) => [s.field, narrative?.[s.field] ?? '']))
    const definition = SECTOR_DEFINITIONS[sector]
    return reply.code(options.status ?? 200).view('market/mps/views/edit.njk', {
      pageTitle: `Edit the Market Position Statement: ${definition.title}`,
      definition,
      sections: NARRATIVE_SECTIONS,
      values,
      maxLength: MAX_NARRATIVE_LENGTH,
      saved: options.saved ?? false,
      action: `/market-position/${sector}/edit`,
      publicHref: `${publicBase(user.councilCode)}/${sector}`,
      ...formErrors(options.errors ?? []),
    })
  }

  app.get('/market-position/:sector/edit', { config: { access: EDITORS } }, async (request, reply) => {
    const sector = sectorOrNotFound(editParams.parse(request.params).sector)
    return showEdit(reply, request.user as SessionUser, sector, {
      saved: field(request.query, 'saved') === '1',
    })
  })

  app.post('/market-position/:sector/edit', { config: { access: EDITORS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const sector = sectorOrNotFound(editParams.parse(request.params).sector)
    const values = Object.fromEntries(NARRATIVE_SECTIONS.map((s) => [s.field, field(request.body, s.field)]))
    try {
      await mps.saveNarrative(user.councilId, sector, values, actorOf(user))
      return reply.redirect(`/market-position/${sector}/edit?saved=1`, 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showEdit(reply, user, sector, { status: 400, values, errors: error.errors })
      throw error
    }
  })

  const showSettings = async (
    reply: FastifyReply,
    user: SessionUser,
    options: { status?: number; values?: Record<string, string>; errors?: FieldError[]; saved?: boolean },
  ) => {
    const values = options.values ?? {
      suppressionThreshold: String(await mps.getSuppressionThreshold(user.councilId)),
    }
    return reply.code(options.status ?? 200).view('market/mps/views/settings.njk', {
      pageTitle: 'Market Position Statement settings',
      values,
      min: MIN_SUPPRESSION_THRESHOLD,
      max: MAX_SUPPRESSION_THRESHOLD,
      saved: options.saved ?? false,
      ...formErrors(options.errors ?? []),
    })
  }

  app.get('/admin/market-position', { config: { access: ADMINS } }, async (request, reply) =>
    showSettings(reply, request.user as SessionUser, { saved: field(request.query, 'saved') === '1' }),
  )

  app.post('/admin/market-position', { config: { access: ADMINS } }, async (request, reply) => {
    const user = request.user as SessionUser
    const values = { suppressionThreshold: field(request.body, 'suppressionThreshold') }
    try {
      await mps.updateMarketSettings(user.councilId, values, actorOf(user))
      return reply.redirect('/admin/market-position?saved=1', 303)
    } catch (error) {
      if (error instanceof ValidationError)
        return showSettings(reply, user, { status: 400, values, errors: error.errors })
      throw error
    }
  })
}
