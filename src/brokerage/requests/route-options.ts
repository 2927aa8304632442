import type { BrokerageServices } from '../services.ts'

/** What the request pages and API are given: the services they call, nothing more. */
export interface RequestsRouteOptions {
  requests: BrokerageServices['requests']
  brokerageSettings: Pick<BrokerageServices['brokerageSettings'], 'getBrokerageSettings'>
}
