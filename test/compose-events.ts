// Integration tests call domains' service functions directly as well as through the registry, so
// every test file runs with the domains' listeners registered, as the composed service has them.
import { wireDomainEvents } from '../src/services.ts'

wireDomainEvents()
