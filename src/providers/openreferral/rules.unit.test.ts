import { describe, expect, it } from 'vitest'
import { nameUuid, pageOf, rowIdOf, rowUuid, SERVICE_TYPE_TERMS, serviceTypeByTermId } from './rules.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('Open Referral ids', () => {
  it('carry the row id, and lead back to it only for their own kind', () => {
    const id = rowUuid('service', 123_456)
    expect(id).toMatch(UUID)
    expect(rowIdOf('service', id)).toBe(123_456)
    expect(rowIdOf('service', id.toUpperCase())).toBe(123_456)
    expect(rowIdOf('location', id)).toBeNull()
    expect(rowIdOf('service', 'not-a-uuid')).toBeNull()
    expect(rowIdOf('service', nameUuid('service'))).toBeNull()
  })

  it('differ by kind for the same row', () => {
    expect(rowUuid('service', 7)).not.toBe(rowUuid('location', 7))
    expect(rowUuid('attribute', 7, 1)).not.toBe(rowUuid('attribute', 7, 2))
  })

  it('are name-based version 5 UUIDs for the vocabulary, the same every time', () => {
    expect(nameUuid('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(nameUuid('a')).toBe(nameUuid('a'))
    expect(nameUuid('a')).not.toBe(nameUuid('b'))
    const [first] = SERVICE_TYPE_TERMS
    expect(serviceTypeByTermId(first?.id ?? '')).toBe('residential_home')
  })
})

describe('a page of results', () => {
  it('says where it is among the pages', () => {
    expect(pageOf({ page: 2, perPage: 2 }, 5, ['c', 'd'])).toEqual({
      total_items: 5,
      total_pages: 3,
      page_number: 2,
      size: 2,
      first_page: false,
      last_page: false,
      empty: false,
      contents: ['c', 'd'],
    })
    expect(pageOf({ page: 1, perPage: 50 }, 0, [])).toMatchObject({
      total_pages: 0,
      first_page: true,
      last_page: true,
      empty: true,
    })
  })
})
