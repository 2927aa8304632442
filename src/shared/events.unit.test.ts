import { describe, expect, it } from 'vitest'
import { createEventBus } from './events.ts'

interface Events extends Record<string, unknown> {
  changed: { id: number }
  removed: { id: number; reason: string }
}

describe('the event bus', () => {
  it('runs each handler of the type, in the order registered, with the emitter’s transaction', async () => {
    const bus = createEventBus<Events, string>()
    const seen: string[] = []
    bus.on('changed', ({ id }, tx) => {
      seen.push(`first ${id} in ${tx}`)
    })
    bus.on('changed', async ({ id }, tx) => {
      await Promise.resolve()
      seen.push(`second ${id} in ${tx}`)
    })
    bus.on('removed', () => {
      seen.push('removed')
    })
    await bus.emit('changed', { id: 7 }, 'tx1')
    expect(seen).toEqual(['first 7 in tx1', 'second 7 in tx1'])
  })

  it('runs a handler registered twice once, and no more once removed', async () => {
    const bus = createEventBus<Events, null>()
    let runs = 0
    const handler = () => {
      runs++
    }
    bus.on('changed', handler)
    const off = bus.on('changed', handler)
    await bus.emit('changed', { id: 1 }, null)
    off()
    await bus.emit('changed', { id: 2 }, null)
    expect(runs).toBe(1)
  })

  it('fails the emit when a handler throws, so the change it reacts to fails with it', async () => {
    const bus = createEventBus<Events, null>()
    const after: number[] = []
    bus.on('removed', () => {
      throw new Error('could not keep the summary')
    })
    bus.on('removed', ({ id }) => {
      after.push(id)
    })
    await expect(bus.emit('removed', { id: 3, reason: 'gone' }, null)).rejects.toThrow(
      'could not keep the summary',
    )
    expect(after).toEqual([])
  })

  it('does nothing for an event no one listens to', async () => {
    await expect(createEventBus<Events, null>().emit('changed', { id: 1 }, null)).resolves.toBeUndefined()
  })
})
