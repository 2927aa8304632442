import { describe, expect, it } from 'vitest'
import { pageOfList, pagingQuery } from './paging.ts'

describe('paging API lists', () => {
  it('takes limit up to 1,000 and offset from 0, by default 100 from the start', () => {
    expect(pagingQuery.parse({})).toEqual({ limit: 100, offset: 0 })
    expect(pagingQuery.parse({ limit: '1000', offset: '20' })).toEqual({ limit: 1000, offset: 20 })
    const refused = pagingQuery.safeParse({ limit: '1001', offset: '-1' })
    expect(refused.error?.issues.map((i) => [i.path[0], i.message])).toEqual([
      ['limit', 'limit must be a whole number from 1 to 1,000'],
      ['offset', 'offset must be a whole number from 0'],
    ])
  })

  it('cuts a page from a list read whole, with the total of the list', () => {
    expect(pageOfList('things', ['a', 'b', 'c'], { limit: 2, offset: 1 })).toEqual({
      things: ['b', 'c'],
      total: 3,
      limit: 2,
      offset: 1,
    })
  })
})
