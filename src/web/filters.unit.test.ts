// The "assigned to" filter reads the same from a page's query string and the API's.
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { filterAssignee } from './filters.ts'

const schema = z.object({ assignedTo: filterAssignee('assignedTo', 'whose') })
const read = (value: unknown) => schema.safeParse({ assignedTo: value })

describe('filterAssignee', () => {
  it('reads me, none and a user ID, in any case and with spaces around', () => {
    expect(read(' Me ').data).toEqual({ assignedTo: 'me' })
    expect(read('NONE').data).toEqual({ assignedTo: 'none' })
    expect(read('42').data).toEqual({ assignedTo: 42 })
  })

  it('leaves an empty or missing filter unchosen', () => {
    expect(read('').data).toEqual({ assignedTo: undefined })
    expect(read(undefined).data).toEqual({ assignedTo: undefined })
  })

  it('refuses anything else with a message naming the field', () => {
    for (const value of ['0', '-3', '1.5', 'someone', '99999999999', ['me']]) {
      const result = read(value)
      expect(result.success, String(value)).toBe(false)
      expect(result.error?.issues[0]?.message).toBe(
        'assignedTo must be me, none or a user ID (a whole number from 1)',
      )
    }
  })
})
