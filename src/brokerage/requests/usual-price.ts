// A request's usual price: the broker's override when there is one, else the council's rate book
// for its service type, client group and band at its start date (the person's locality's own rate
// first), else the price the social worker typed, for councils that keep no rate book.
import { and, eq } from 'drizzle-orm'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database, Queryable } from '../../db/connection.ts'
import { NotFoundError, ValidationError } from '../../errors.ts'
import { BANDS, type Band } from '../../fees/rates/rules.ts'
import { usualPriceAt } from '../../fees/rates/service.ts'
import { parsePounds } from '../../shared/money.ts'
import { people, sourcingRequests } from '../schema.ts'

type UsualPriceSource = 'override' | 'rate_book' | 'typed' | 'none'

export interface UsualPrice {
  pricePence: number | null
  source: UsualPriceSource
  /** The rate book's price on the start date, whether or not it is the one used. */
  ratePence: number | null
  typedPence: number | null
  overrideReason: string | null
  band: Band
}

interface PricedRequest {
  councilId: number
  serviceType: string | null
  clientGroup: string | null
  startDate: string | null
  band: string
  usualPricePence: number | null
  usualPriceOverridePence: number | null
  usualPriceOverrideReason: string | null
}

/** Works out a request's usual price; `localityId` is the person's locality. Safe inside a transaction given it. */
export async function resolveUsualPrice(
  db: Queryable,
  request: PricedRequest,
  localityId: number | null,
): Promise<UsualPrice> {
  const rate =
    request.serviceType && request.clientGroup && request.startDate
      ? await usualPriceAt(db, request.councilId, {
          serviceType: request.serviceType,
          clientGroup: request.clientGroup,
          band: request.band,
          localityId,
          date: request.startDate,
        })
      : null
  const common = {
    ratePence: rate?.pricePence ?? null,
    typedPence: request.usualPricePence,
    overrideReason: request.usualPriceOverrideReason,
    band: request.band as Band,
  }
  if (request.usualPriceOverridePence !== null)
    return { ...common, pricePence: request.usualPriceOverridePence, source: 'override' }
  if (rate) return { ...common, pricePence: rate.pricePence, source: 'rate_book' }
  if (request.usualPricePence !== null)
    return { ...common, pricePence: request.usualPricePence, source: 'typed' }
  return { ...common, pricePence: null, source: 'none' }
}

async function loadPriced(db: Queryable, councilId: number, requestId: number) {
  const [row] = await db
    .select({ request: sourcingRequests, localityId: people.localityId })
    .from(sourcingRequests)
    .innerJoin(people, eq(people.id, sourcingRequests.personId))
    .where(and(eq(sourcingRequests.councilId, councilId), eq(sourcingRequests.id, requestId)))
  if (!row) throw new NotFoundError('No such request')
  return row
}

/** A request's usual price as the request's usual-price page shows it. */
export async function getUsualPrice(db: Database, councilId: number, requestId: number): Promise<UsualPrice> {
  const { request, localityId } = await loadPriced(db, councilId, requestId)
  return resolveUsualPrice(db, request, localityId)
}

/**
 * The broker sets the request's band and, with a reason, may put their own usual price in place of
 * the rate book's (an empty price takes an override away). Audited.
 */
export async function setUsualPrice(
  db: Database,
  councilId: number,
  requestId: number,
  input: { band: string; overridePrice: string; reason: string },
  actor: Actor,
): Promise<UsualPrice> {
  const errors: { field: string; message: string }[] = []
  const band = (BANDS as readonly string[]).includes(input.band) ? (input.band as Band) : null
  if (!band) errors.push({ field: 'band', message: 'Choose standard, enhanced or complex' })
  let overridePence: number | null = null
  const reason = input.reason.trim()
  if (input.overridePrice.trim() !== '') {
    const price = parsePounds(input.overridePrice)
    if (!price.ok || price.pence <= 0)
      errors.push({
        field: 'overridePrice',
        message: 'Usual price must be an amount of money more than £0, like 950.00',
      })
    else overridePence = price.pence
    if (reason === '')
      errors.push({ field: 'reason', message: 'Enter why the usual price differs from the rate book' })
    else if (reason.length > 1000)
      errors.push({ field: 'reason', message: 'Reason must be 1,000 characters or fewer' })
  }
  if (errors.length > 0) throw new ValidationError(errors)
  const before = await getUsualPrice(db, councilId, requestId)
  await db.transaction(async (tx) => {
    await tx
      .update(sourcingRequests)
      .set({
        band: band as Band,
        usualPriceOverridePence: overridePence,
        usualPriceOverrideReason: overridePence === null ? null : reason,
      })
      .where(and(eq(sourcingRequests.councilId, councilId), eq(sourcingRequests.id, requestId)))
    await recordAudit(tx, actor, {
      councilId,
      action: 'sourcing_request.usual_price_set',
      entityType: 'sourcing_request',
      entityId: requestId,
      details: {
        band,
        previousBand: before.band,
        overridePence,
        previousPricePence: before.pricePence,
        previousSource: before.source,
        reason: overridePence === null ? null : reason,
      },
    })
  })
  return getUsualPrice(db, councilId, requestId)
}
