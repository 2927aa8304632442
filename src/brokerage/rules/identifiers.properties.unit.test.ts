// Properties of taking the person's own identifiers out of free text: generated names, dates of
// birth, NHS numbers and postcodes, written the many ways people write them and set in ordinary
// text, never survive, and the text around them is kept exactly.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  foldForComparison,
  type IdentifyingDetails,
  NAME_PARTICLES,
  NAME_TITLES,
  REMOVED,
  redactOwnIdentifiers,
} from './identifiers.ts'

/** The redaction under test: point it at another implementation to see these properties find its gaps. */
const redact: (text: string, person: IdentifyingDetails) => string = redactOwnIdentifiers

const RUNS = {
  names: 1000,
  datesOfBirth: 1000,
  nhsNumbers: 500,
  postcodes: 500,
  together: 500,
  untouched: 300,
}

// ---------------------------------------------------------------------------------------------
// Ordinary text around the identifiers: words and punctuation, never a digit.

const FILLER = [
  'needs',
  'help',
  'with',
  'washing',
  'and',
  'dressing',
  'lives',
  'alone',
  'daughter',
  'visits',
  'weekly',
  'her',
  'his',
  'the',
  'carer',
  'prefers',
  'tea',
  'garden',
  'mobility',
  'frame',
  'contact',
  'via',
  'office',
  'notes',
  'for',
  'morning',
  'evening',
  'said',
  'is',
  'to',
  'from',
  'about',
  'born',
  'on',
  'NHS',
  'number',
  'postcode',
  'at',
  'DOB',
  'call',
  'née',
  'café',
  'hospital',
  'ward',
]
const FILLER_WORDS = new Set(FILLER.map((w) => foldForComparison(w)))
const words = fc.array(fc.constantFrom(...FILLER), { minLength: 0, maxLength: 6 }).map((w) => w.join(' '))
const before = fc
  .tuple(words, fc.constantFrom(' ', ' (', ': ', ' "', '\n', ', ', ' — ', ' “', ' [', ' ‘', '\t', ' #'))
  .map(([w, s]) => `${w}${s}`)
const after = fc
  .tuple(fc.constantFrom(' ', ') ', '. ', '," ', '\n', '; ', '” ', ' - ', '] ', '’ ', '!'), words)
  .map(([s, w]) => `${s}${w}`)

// ---------------------------------------------------------------------------------------------
// Names: letters from several alphabets, hyphens, apostrophes, particles and prefixes.

const ASCII = [...'abcdefghijklmnopqrstuvwxyz']
const ACCENTED = [...'àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćčďēėęěğīįłńňōőřśşšţťūůűųźżžøæœŵŷ']
const GREEK = [...'αβγδεζηθικλμνξοπρστυφχω']
const CYRILLIC = [...'абвгдежзийклмнопрстуфхцчшщыэюя']
const letter = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ASCII) },
  { weight: 3, arbitrary: fc.constantFrom(...ACCENTED) },
  { weight: 1, arbitrary: fc.constantFrom(...GREEK) },
  { weight: 1, arbitrary: fc.constantFrom(...CYRILLIC) },
)
const capitalise = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)
const namePart = fc
  .array(letter, { minLength: 2, maxLength: 9 })
  .map((letters) => capitalise(letters.join('')))
  .filter((part) => {
    const folded = foldForComparison(part)
    return !NAME_PARTICLES.has(folded) && !NAME_TITLES.has(folded) && !FILLER_WORDS.has(folded)
  })
const apostrophe = fc.constantFrom("'", '’')
const surname = fc.oneof(
  namePart,
  fc.tuple(namePart, namePart).map(([a, b]) => `${a}-${b}`),
  fc.tuple(fc.constantFrom('O', 'D'), apostrophe, namePart).map(([p, a, x]) => `${p}${a}${x}`),
  fc
    .tuple(fc.constantFrom('O', 'D'), apostrophe, namePart, namePart)
    .map(([p, a, x, y]) => `${p}${a}${x}-${y}`),
  fc.tuple(fc.constantFrom('Mc', 'Mac'), namePart).map(([p, x]) => `${p}${x}`),
  fc
    .tuple(
      fc.constantFrom(
        'de',
        'De',
        'van der',
        'van',
        'Van',
        'von',
        'da',
        'di',
        'du',
        'del',
        'le',
        'ter',
        'bin',
        'al-',
      ),
      namePart,
    )
    .map(([p, x]) => (p.endsWith('-') ? `${p}${x}` : `${p} ${x}`)),
)
const givenNames = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: namePart },
    fc.tuple(namePart, namePart).map(([a, b]) => `${a}-${b}`),
  ),
  { minLength: 1, maxLength: 2 },
)
/** Parts run together spell a filler word ("D'Ob" written "DOB"): taking that word out is right, but not this test's point. */
function spellsFiller(name: string): boolean {
  const parts = name.split(/[\s'’-]+/u).map((p) => foldForComparison(p))
  return parts.some((_, i) =>
    parts.some((__, j) => j > i && FILLER_WORDS.has(parts.slice(i, j + 1).join(''))),
  )
}
const fullName = fc
  .tuple(givenNames, surname)
  .map(([given, family]) => ({ given, family }))
  .filter((n) => !spellsFiller(`${n.given.join(' ')} ${n.family}`))

/** The parts of a name that are taken out even alone: every part but particles and one-letter ones. */
function partsTakenAlone(name: string): string[] {
  return name
    .split(/[\s'’-]+/u)
    .map((p) => foldForComparison(p))
    .filter((p) => [...p].length >= 2 && !NAME_PARTICLES.has(p) && !NAME_TITLES.has(p))
}

const stripAccents = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '')
const swapApostrophes = (text: string) => text.replace(/['’]/g, (a) => (a === "'" ? '’' : "'"))

/** Ways a name gets written in notes. */
const NAME_FORMS: ((n: { given: string[]; family: string }) => string)[] = [
  (n) => `${n.given.join(' ')} ${n.family}`,
  (n) => `${n.given.join(' ')} ${n.family}`.toUpperCase(),
  (n) => `${n.given.join(' ')} ${n.family}`.toLowerCase(),
  (n) => stripAccents(`${n.given.join(' ')} ${n.family}`),
  (n) => `${n.given.join(' ')} ${n.family}`.normalize('NFD'),
  (n) => swapApostrophes(`${n.given.join(' ')} ${n.family}`),
  (n) => `${n.given.join(' ')} ${n.family.replace(/-/g, ' ')}`,
  (n) => `${n.given.join(' ')} ${n.family.replace(/-/g, '–')}`,
  (n) => `${n.given.join(' ')} ${n.family.replace(/[-'’]/g, '')}`,
  (n) => n.family,
  (n) => stripAccents(n.family).toUpperCase(),
  (n) => n.given[0] as string,
  (n) => `${n.family}, ${n.given.join(' ')}`,
  (n) => `${(n.given[n.given.length - 1] as string).charAt(0)}. ${n.family}`,
  (n) => `${n.given.join(' ')} ${n.family}'s`,
  (n) => `${n.given[0]}’s`,
  (n) =>
    n.family
      .split(/[\s'’-]+/u)
      .filter((p) => p.length > 1)
      .pop() as string,
]
const nameForm = fc.integer({ min: 0, max: NAME_FORMS.length - 1 })

// ---------------------------------------------------------------------------------------------
// Dates of birth, in many written forms.

const dateOfBirth = fc
  .date({ min: new Date('1920-01-01T00:00:00Z'), max: new Date('2006-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10))
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]
const ordinal = (day: number) =>
  day % 10 === 1 && day !== 11
    ? 'st'
    : day % 10 === 2 && day !== 12
      ? 'nd'
      : day % 10 === 3 && day !== 13
        ? 'rd'
        : 'th'
const fullWidth = (text: string) => text.replace(/\d/g, (d) => String.fromCodePoint(0xff10 + Number(d)))

const dateChoices = fc.record({
  form: fc.constantFrom(
    'dmy',
    'mdy',
    'ymd',
    'compact',
    'day month year',
    'month day year',
    'year month day',
    'month year',
  ),
  separators: fc.tuple(
    fc.constantFrom('/', '.', '-', ' ', ' / ', '\\', '_', '. ', ' - '),
    fc.constantFrom('/', '.', '-', ' ', ' / ', '\\', '_', '. ', ' - '),
  ),
  wordySeparators: fc.tuple(
    fc.constantFrom(' ', '-', '/', '.', '', ', ', '  '),
    fc.constantFrom(' ', '-', '/', '.', '', ', '),
  ),
  padDay: fc.boolean(),
  padMonth: fc.boolean(),
  year: fc.constantFrom('full', 'two', 'apostrophe'),
  monthStyle: fc.constantFrom('full', 'short', 'short.', 'sept'),
  letterCase: fc.constantFrom('title', 'lower', 'upper'),
  ordinal: fc.boolean(),
  of: fc.boolean(),
  the: fc.boolean(),
  comma: fc.boolean(),
  compact: fc.constantFrom('ddmmyyyy', 'ddmmyy', 'yyyymmdd', 'mmddyyyy'),
  fullWidth: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
})

type DateChoices = typeof dateChoices extends fc.Arbitrary<infer T> ? T : never

function writeDate(iso: string, c: DateChoices): string {
  const [y, mm, dd] = iso.split('-') as [string, string, string]
  const day = Number(dd)
  const month = Number(mm)
  const d = c.padDay ? dd : String(day)
  const m = c.padMonth ? mm : String(month)
  const numericYear = c.year === 'full' ? y : y.slice(2)
  const wordyYear = c.year === 'full' ? y : c.year === 'two' ? y.slice(2) : `'${y.slice(2)}`
  const [s1, s2] = c.separators
  const [w1, w2] = c.wordySeparators
  const name = MONTHS[month - 1] as string
  let mon =
    c.monthStyle === 'full'
      ? name
      : c.monthStyle === 'short'
        ? name.slice(0, 3)
        : c.monthStyle === 'short.'
          ? `${name.slice(0, 3)}.`
          : month === 9
            ? 'Sept'
            : name
  const th = c.ordinal ? ordinal(day) : ''
  mon = c.letterCase === 'lower' ? mon.toLowerCase() : c.letterCase === 'upper' ? mon.toUpperCase() : mon
  const dayWord = c.letterCase === 'upper' ? `${d}${th}`.toUpperCase() : `${d}${th}`
  let written: string
  switch (c.form) {
    case 'dmy':
      written = `${d}${s1}${m}${s2}${numericYear}`
      break
    case 'mdy':
      written = `${m}${s1}${d}${s2}${numericYear}`
      break
    case 'ymd':
      written = `${y}${s1}${m}${s2}${d}`
      break
    case 'compact':
      written = {
        ddmmyyyy: `${dd}${mm}${y}`,
        ddmmyy: `${dd}${mm}${y.slice(2)}`,
        yyyymmdd: `${y}${mm}${dd}`,
        mmddyyyy: `${mm}${dd}${y}`,
      }[c.compact]
      break
    case 'day month year':
      written = `${dayWord}${c.of && w1.trim() === '' && w1 !== '' ? `${w1}of${w1}` : w1}${mon}${w2}${wordyYear}`
      break
    case 'month day year':
      written = `${mon} ${c.the ? 'the ' : ''}${dayWord}${c.comma ? ',' : ''} ${wordyYear}`
      break
    case 'year month day':
      written = `${y}${w1}${mon}${w2 === '' ? ' ' : w2}${dayWord}`
      break
    default:
      written = `${mon} ${y}`
  }
  return c.fullWidth ? fullWidth(written) : written
}

// ---------------------------------------------------------------------------------------------
// NHS numbers and postcodes, spaced and punctuated in many ways.

const GAPS = [' ', '-', '.', '/', ' - ', '  ', '\u00A0', '–', ' / ', '']
const nhsNumber = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 10, maxLength: 10 })
  .map((d) => d.join(''))
const nhsWriting = fc.record({
  groups: fc.constantFrom([3, 3, 4], [10], [5, 5], [3, 7], [2, 2, 2, 2, 2], [4, 3, 3]),
  gaps: fc.array(fc.constantFrom(...GAPS), { minLength: 4, maxLength: 4 }),
  fullWidth: fc.boolean(),
})
function writeNhsNumber(
  digits: string,
  w: { groups: readonly number[]; gaps: string[]; fullWidth: boolean },
): string {
  const groups: string[] = []
  for (const size of w.groups)
    groups.push(digits.slice(groups.join('').length, groups.join('').length + size))
  const written = groups.map((g, i) => (i === 0 ? g : `${w.gaps[i - 1]}${g}`)).join('')
  return w.fullWidth ? fullWidth(written) : written
}

const upper = fc.constantFrom(...'ABCDEFGHIJKLMNOPRSTUWYZ')
const postcode = fc
  .tuple(
    fc.array(upper, { minLength: 1, maxLength: 2 }),
    fc.integer({ min: 1, max: 9 }),
    fc.option(fc.oneof(fc.integer({ min: 0, max: 9 }).map(String), upper), { nil: '' }),
    fc.integer({ min: 0, max: 9 }),
    fc.array(fc.constantFrom(...'ABDEFGHJLNPQRSTUWXYZ'), { minLength: 2, maxLength: 2 }),
  )
  .map(
    ([area, district, extra, sector, unit]) =>
      `${area.join('')}${district}${extra} ${sector}${unit.join('')}`,
  )
const postcodeWriting = fc.constantFrom<(p: string) => string>(
  (p) => p,
  (p) => p.replace(' ', ''),
  (p) => p.replace(' ', '-'),
  (p) => p.replace(' ', '  '),
  (p) => p.replace(' ', ' - '),
  (p) => p.replace(' ', '–'),
  (p) => p.toLowerCase(),
  (p) => p.toLowerCase().replace(' ', ''),
  (p) => p.replace(/[A-Z0-9]/g, (c) => String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0)),
  (p) => [...p.replace(' ', '')].join(' '),
)

function personWith(details: Partial<IdentifyingDetails>): IdentifyingDetails {
  return {
    name: 'Zebedee Quistorp',
    dateOfBirth: '1930-06-15',
    postcode: 'PE30 1AA',
    nhsNumber: null,
    ...details,
  }
}

const wordsOf = (text: string) => text.split(/[^\p{L}\p{N}]+/u).filter(Boolean)

/** Whether a folded word is in folded text as a whole word. */
function hasWord(text: string, word: string): boolean {
  return wordsOf(text).includes(word)
}

/** Whether the words of a folded phrase are in folded text one after another, as whole words. */
function hasPhrase(text: string, phrase: string): boolean {
  const words = wordsOf(text)
  const wanted = wordsOf(phrase)
  return words.some((_, i) => wanted.every((w, k) => words[i + k] === w))
}

// ---------------------------------------------------------------------------------------------

describe('the person’s identifiers never survive, however they are written', () => {
  it('names: no part of the name is left, and the text around it is kept', () => {
    fc.assert(
      fc.property(fullName, nameForm, before, after, (name, form, pre, post) => {
        const recorded = `${name.given.join(' ')} ${name.family}`
        const written = NAME_FORMS[form]?.(name) as string
        const text = `${pre}${written}${post}`
        const redacted = redact(text, personWith({ name: recorded }))
        const folded = foldForComparison(redacted)
        expect(hasPhrase(folded, foldForComparison(written))).toBe(false)
        for (const part of partsTakenAlone(recorded)) expect(hasWord(folded, part), part).toBe(false)
        expect(redacted.startsWith(pre)).toBe(true)
        expect(redacted.endsWith(post)).toBe(true)
      }),
      { numRuns: RUNS.names },
    )
  })

  it('dates of birth: the whole date goes, nothing else', () => {
    fc.assert(
      fc.property(dateOfBirth, dateChoices, before, after, (dob, choices, pre, post) => {
        const written = writeDate(dob, choices)
        expect(redact(`${pre}${written}${post}`, personWith({ dateOfBirth: dob }))).toBe(
          `${pre}${REMOVED}${post}`,
        )
      }),
      { numRuns: RUNS.datesOfBirth },
    )
  })

  it('NHS numbers: with any grouping and separators, in full-width digits too', () => {
    fc.assert(
      fc.property(nhsNumber, nhsWriting, before, after, (digits, writing, pre, post) => {
        const written = writeNhsNumber(digits, writing)
        expect(redact(`${pre}${written}${post}`, personWith({ nhsNumber: digits }))).toBe(
          `${pre}${REMOVED}${post}`,
        )
      }),
      { numRuns: RUNS.nhsNumbers },
    )
  })

  it('postcodes: spaced, unspaced, hyphenated, lower case or full width', () => {
    fc.assert(
      fc.property(postcode, postcodeWriting, before, after, (code, write, pre, post) => {
        expect(redact(`${pre}${write(code)}${post}`, personWith({ postcode: code }))).toBe(
          `${pre}${REMOVED}${post}`,
        )
      }),
      { numRuns: RUNS.postcodes },
    )
  })

  it('all four in one text: each goes, and every word around them stays', () => {
    fc.assert(
      fc.property(
        fc.record({
          name: fullName,
          nameForm: fc.integer({ min: 0, max: 5 }),
          dob: dateOfBirth,
          dateChoices,
          nhs: nhsNumber,
          nhsWriting,
          postcode,
          postcodeWriting,
          order: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }),
          gaps: fc.array(
            fc.tuple(after, before).map(([a, b]) => `${a} ${b}`),
            { minLength: 5, maxLength: 5 },
          ),
        }),
        (g) => {
          const recorded = `${g.name.given.join(' ')} ${g.name.family}`
          const person = { name: recorded, dateOfBirth: g.dob, postcode: g.postcode, nhsNumber: g.nhs }
          const written = [
            NAME_FORMS[g.nameForm]?.(g.name) as string,
            writeDate(g.dob, g.dateChoices),
            writeNhsNumber(g.nhs, g.nhsWriting),
            g.postcodeWriting(g.postcode),
          ]
          const ordered = g.order.map((i) => written[i] as string)
          const text = g.gaps[0] + ordered.map((w, i) => `${w}${g.gaps[i + 1]}`).join('')
          const expected = g.gaps[0] + ordered.map((_, i) => `${REMOVED}${g.gaps[i + 1]}`).join('')
          const redacted = redact(text, person)
          // Removals only spaces apart are one removal.
          const joined = (t: string) => t.replace(/\[removed\](?:[ \t\u00A0]+\[removed\])+/g, REMOVED)
          expect(joined(redacted)).toBe(joined(expected))
          const folded = foldForComparison(redacted)
          expect(folded).not.toMatch(/\d/)
          for (const part of partsTakenAlone(recorded)) expect(hasWord(folded, part), part).toBe(false)
        },
      ),
      { numRuns: RUNS.together },
    )
  })

  it('text without the person’s identifiers is left exactly as it was', () => {
    fc.assert(
      fc.property(
        fullName,
        dateOfBirth,
        nhsNumber,
        postcode,
        fc.array(words, { minLength: 1, maxLength: 4 }),
        (name, dob, nhs, code, lines) => {
          const text = lines.join('.\n')
          const person = {
            name: `${name.given.join(' ')} ${name.family}`,
            dateOfBirth: dob,
            postcode: code,
            nhsNumber: nhs,
          }
          expect(redact(text, person)).toBe(text)
        },
      ),
      { numRuns: RUNS.untouched },
    )
  })
})
