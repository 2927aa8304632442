// A typed, synchronous, in-process event bus. A domain that must let another react to its changes
// emits an event inside its own transaction; the listener registers a handler when the services
// are composed (src/services.ts). Handlers run one after another, in the order they registered,
// inside the emitter's transaction and before emit returns: what they write commits or rolls back
// with the change that caused it, and a handler that throws fails that change. The emitter never
// imports its listeners.

/** Reacts to one event, inside the transaction it was emitted in. */
export type EventHandler<Payload, Transaction> = (payload: Payload, tx: Transaction) => Promise<void> | void

export interface EventBus<Events extends Record<string, unknown>, Transaction> {
  /**
   * Registers a handler. The same handler registered twice runs once, so composing the services
   * again (each test, each command) adds nothing. Returns a function that removes it.
   */
  on<Type extends keyof Events>(type: Type, handler: EventHandler<Events[Type], Transaction>): () => void
  /** Runs every handler of the type, in order, in the given transaction. */
  emit<Type extends keyof Events>(type: Type, payload: Events[Type], tx: Transaction): Promise<void>
}

export function createEventBus<Events extends Record<string, unknown>, Transaction>(): EventBus<
  Events,
  Transaction
> {
  const handlers = new Map<keyof Events, Set<EventHandler<never, Transaction>>>()
  return {
    on(type, handler) {
      const forType = handlers.get(type) ?? new Set()
      handlers.set(type, forType)
      forType.add(handler as EventHandler<never, Transaction>)
      return () => {
        forType.delete(handler as EventHandler<never, Transaction>)
      }
    },
    async emit(type, payload, tx) {
      for (const handler of handlers.get(type) ?? [])
        await (handler as EventHandler<typeof payload, Transaction>)(payload, tx)
    },
  }
}
