import { describe, expect, it } from 'vitest'
import {
  containsPattern,
  foldForSearch,
  SEARCH_FOLD_FROM,
  SEARCH_FOLD_TO,
  searchWords,
} from './search-text.ts'

describe('text folded for searching', () => {
  it('takes accents off Latin letters and lowers ASCII letters only', () => {
    expect(foldForSearch('Zoë ÓBRIEN-Łukasz Øster')).toBe('zoe obrien-lukasz oster')
    expect(foldForSearch('Дмитрий')).toBe('Дмитрий')
  })

  it('has one letter to translate each letter into, as translate() needs', () => {
    expect([...SEARCH_FOLD_FROM]).toHaveLength([...SEARCH_FOLD_TO].length)
    expect(new Set(SEARCH_FOLD_FROM).size).toBe([...SEARCH_FOLD_FROM].length)
  })

  it('reads a search as words in any spacing, and LIKE patterns match their characters only', () => {
    expect(searchWords('  Moss   ALBERT ')).toEqual(['moss', 'albert'])
    expect(containsPattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%')
  })
})
