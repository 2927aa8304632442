import type { BrokerageServices } from '../services.ts'

/** What the offer, award and package pages and API are given: the services they call, nothing more. */
export interface OffersRouteOptions {
  offers: BrokerageServices['offers']
}
