// Text as searches compare it: accents taken off Latin letters and ASCII letters lowered, so
// "Zoë O’Brien" is found by "zoe o'brien". The same fold is a database column's generated
// expression (SQL translate) and what search words go through here, so both sides agree on every
// engine: PostgreSQL's lower() depends on the server's locale, translate() does not.

/** Letters that NFKD decomposes to an ASCII letter and a mark ("é" → "e"), and a few that it cannot. */
function foldPairs(): [string, string][] {
  const pairs: [string, string][] = []
  for (let code = 0xc0; code <= 0x24f; code++) {
    const letter = String.fromCodePoint(code)
    const base = letter.normalize('NFKD')[0] ?? ''
    if (base !== letter && /^[A-Za-z]$/.test(base)) pairs.push([letter, base.toLowerCase()])
  }
  // Letters with a stroke, and typographic apostrophes, have no decomposition.
  const extra: [string, string][] = [
    ['Ø', 'o'],
    ['ø', 'o'],
    ['Ł', 'l'],
    ['ł', 'l'],
    ['Đ', 'd'],
    ['đ', 'd'],
    ['Ħ', 'h'],
    ['ħ', 'h'],
    ['ı', 'i'],
    ['’', "'"],
    ['‘', "'"],
    ['`', "'"],
  ]
  for (let code = 65; code <= 90; code++)
    pairs.push([String.fromCharCode(code), String.fromCharCode(code + 32)])
  return [...pairs, ...extra]
}

const PAIRS = foldPairs()
const FOLD = new Map(PAIRS)

/** translate()'s two arguments: each character of the first becomes the one at its place in the second. */
export const SEARCH_FOLD_FROM = PAIRS.map(([from]) => from).join('')
export const SEARCH_FOLD_TO = PAIRS.map(([, to]) => to).join('')

/** The text folded as the generated search columns are: accents off, ASCII letters lowered. */
export function foldForSearch(text: string): string {
  let folded = ''
  for (const character of text) folded += FOLD.get(character) ?? character
  return folded
}

/** The words of a search, folded: any order, each to be found somewhere in the text. */
export function searchWords(text: string): string[] {
  return foldForSearch(text).split(/\s+/).filter(Boolean)
}

/** A LIKE pattern finding the word anywhere: its own %, _ and \ match only themselves. */
export function containsPattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}
