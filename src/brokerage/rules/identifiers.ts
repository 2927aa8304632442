// Identifiers in the free text providers read before award (DOMAIN.md §5 Privacy): the person's
// own name, date of birth, NHS number and full postcode, which are always taken out, and anything
// else that looks like someone's identity (a date, a phone number, an email address, a number
// shaped like an NHS number, a full postcode, a title and a name), which is flagged to the broker.
//
// Text is matched on a folded copy (NFKC, case folded, accents and strokes removed, one apostrophe,
// one hyphen, format characters dropped), each folded character mapped back to the characters it
// came from, so what is kept stays exactly as it was typed. Pure: no I/O.

import { isValid as isValidPostcode } from 'postcode'
import { MONTH_NAMES } from '../../shared/dates.ts'

export interface IdentifyingDetails {
  name: string
  /** 'YYYY-MM-DD'; null only for a person known from the council's book, until completed. */
  dateOfBirth: string | null
  postcode: string | null
  nhsNumber: string | null
  /** The request's preferred postcode, a full postcode too when it is not the person's. */
  preferredPostcode?: string | null
  /** The council's case system's person and case IDs: never for providers, even typed into text. */
  personRef?: string | null
  caseRef?: string | null
  /** How to reach the person and their representative: providers never read these before award. */
  phone?: string | null
  addressLine1?: string | null
  representative?: { name: string; phone: string | null; email: string | null } | null
}

/** What providers see where one of the person's identifiers was. */
export const REMOVED = '[removed]'

type OwnIdentifierKind = 'name' | 'date_of_birth' | 'nhs_number' | 'postcode' | 'case_reference' | 'contact'
export type SuspectedIdentifierKind =
  | 'email'
  | 'phone'
  | 'nhs_number_like'
  | 'date'
  | 'full_postcode'
  | 'titled_name'
export type IdentifierKind = OwnIdentifierKind | SuspectedIdentifierKind

export const IDENTIFIER_LABELS: Record<IdentifierKind, string> = {
  name: 'the person’s name',
  date_of_birth: 'the person’s date of birth',
  nhs_number: 'the person’s NHS number',
  postcode: 'the person’s full postcode',
  case_reference: 'the person’s case system ID',
  contact: 'the person’s contact details',
  email: 'an email address',
  phone: 'a phone number',
  nhs_number_like: 'a number like an NHS number',
  date: 'a date',
  full_postcode: 'a full postcode',
  titled_name: 'a name',
}

export interface FoundIdentifier {
  /** Where it is in the original text, in UTF-16 code units, end exclusive. */
  start: number
  end: number
  kind: IdentifierKind
  /** The person's own: always taken out. Otherwise suspected: shown to providers, flagged to the broker. */
  own: boolean
}

// ---------------------------------------------------------------------------------------------
// Folding

/** Letters that keep a stroke or are ligatures after NFKD, written as people type them without. */
const LETTER_FOLDS: Record<string, string> = {
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ħ: 'h',
  ł: 'l',
  ŀ: 'l',
  ŧ: 't',
  ı: 'i',
  ƒ: 'f',
  æ: 'ae',
  œ: 'oe',
  þ: 'th',
}
const APOSTROPHE = /['\u2018\u2019\u201B\u02BB\u02BC\u0060\u00B4\u2032]/u
const DASH = /[\u2010-\u2015\u2212\uFE58\uFE63]/u
const DROPPED = /[\p{M}\p{Cf}]/gu
const foldedChars = new Map<string, string>()

/** One character as it is compared: NFKC, case folded, without accents; '' for marks and format characters. */
function foldChar(char: string): string {
  const known = foldedChars.get(char)
  if (known !== undefined) return known
  const decomposed = char.normalize('NFKD').replace(DROPPED, '')
  // Upper then lower folds case as Unicode's full case folding does for ß → ss and final sigma.
  const lower = decomposed.toUpperCase().toLowerCase().normalize('NFKD').replace(DROPPED, '')
  let folded = ''
  for (const c of lower) {
    if (APOSTROPHE.test(c)) folded += "'"
    else if (DASH.test(c)) folded += '-'
    else if (/\s/u.test(c)) folded += ' '
    else folded += LETTER_FOLDS[c] ?? c
  }
  if (foldedChars.size < 10_000) foldedChars.set(char, folded)
  return folded
}

interface Folded {
  text: string
  /** For each UTF-16 unit of `text`, where the original character it came from starts and ends. */
  starts: number[]
  ends: number[]
}

function fold(text: string): Folded {
  let folded = ''
  const starts: number[] = []
  const ends: number[] = []
  let at = 0
  for (const char of text) {
    const piece = foldChar(char)
    folded += piece
    for (let i = 0; i < piece.length; i++) {
      starts.push(at)
      ends.push(at + char.length)
    }
    at += char.length
  }
  return { text: folded, starts, ends }
}

/** Text as it is compared: the same folding the matcher uses. */
export function foldForComparison(text: string): string {
  return fold(text).text
}

const TRAILING_MARK = /^(?:\p{M}|\u200D|\uFE0E|\uFE0F)/u

/** The original span of a folded match, with any combining marks that follow it. */
function originalSpan(text: string, folded: Folded, start: number, end: number) {
  const from = folded.starts[start] as number
  let to = folded.ends[end - 1] as number
  while (to < text.length) {
    const next = String.fromCodePoint(text.codePointAt(to) as number)
    if (!TRAILING_MARK.test(next)) break
    to += next.length
  }
  return { start: from, end: to }
}

// ---------------------------------------------------------------------------------------------
// Pieces of patterns, over folded text

// The person's patterns are made for each person, so they are written without the u flag and
// without Unicode property classes, each of which costs milliseconds to compile: folded digits are
// ASCII, and a name part's word edges are checked with WORD_CHARACTER, compiled once.
const WORD_CHARACTER = /[\p{L}\p{N}]/u
const NOT_AFTER_DIGIT = '(?<!\\d)'
const NOT_BEFORE_DIGIT = '(?!\\d)'
const NOT_AFTER_ALPHANUMERIC = '(?<![a-z0-9])'
const NOT_BEFORE_ALPHANUMERIC = '(?![a-z0-9])'

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

const MONTHS = MONTH_NAMES.map((month) => month.toLowerCase())

/** A month written out or short, with or without a full stop: "april", "apr", "apr.", "sept". */
function monthPattern(month: number): string {
  const name = MONTHS[month - 1] as string
  const short = month === 9 ? '(?:sept|sep)' : name.slice(0, 3)
  return `(?:${name}|${short}\\.?)`
}

const ANY_MONTH = `(?:${MONTHS.map((_, i) => monthPattern(i + 1)).join('|')})`
const ORDINAL = '(?:st|nd|rd|th)?'
/** Between the parts of a date with a month name: nothing, spaces, commas, full stops, slashes or hyphens. */
const WORDY_SEPARATOR = '[\\s.,/\\-]*'
/** Between the numbers of a date: one of / . - \ _ with spaces around, or spaces alone. */
const NUMERIC_SEPARATOR = '(?:\\s*[./\\-\\\\_]\\s*|\\s+)'
/** The same separator twice, for dates that may not be the person's: "07.30 45" is a time and a number. */
const SAME_SEPARATOR_TWICE = ['\\s*([./\\-\\\\_]|\\s)\\s*', '\\s*\\2\\s*'] as const
/** Between the characters of an NHS number or postcode however it is spaced or punctuated. */
const ANY_SPACING = '[^a-z0-9]{0,3}'

// Scripts written without spaces between words: a name in them is matched without word edges.
const SPACELESS =
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]+$/u

// ---------------------------------------------------------------------------------------------
// The person's own identifiers

/** Name parts never taken out on their own: they are common words. Taken out inside the whole name. */
export const NAME_PARTICLES: ReadonlySet<string> = new Set([
  'a',
  'af',
  'al',
  'ap',
  'av',
  'ben',
  'bin',
  'bint',
  'd',
  'da',
  'das',
  'de',
  'degli',
  'dei',
  'del',
  'della',
  'den',
  'der',
  'des',
  'di',
  'do',
  'dos',
  'du',
  'el',
  'ibn',
  'l',
  'la',
  'le',
  'les',
  'lo',
  'mac',
  'mc',
  'o',
  'san',
  'st',
  'ten',
  'ter',
  'van',
  'von',
  'y',
  'zu',
])
export const NAME_TITLES: ReadonlySet<string> = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'mx',
  'dr',
  'sir',
  'dame',
  'lady',
  'lord',
  'rev',
  'revd',
  'prof',
])
const NAME_SEPARATORS = /[\s'\u2018\u2019\u201B\u02BB\u02BC\u0060\u00B4\u2032\-\u2010-\u2015\u2212.,]+/u

/** One folded name part; "mcdonald" also matches "Mc Donald". */
function namePartPattern(part: string): string {
  const prefixed = part.match(/^(ma?c)(\p{L}{2,})$/u)
  if (prefixed) return `${prefixed[1]}[\\s'\\-]*${escapeRegExp(prefixed[2] as string)}`
  return escapeRegExp(part)
}

interface OwnPattern {
  kind: OwnIdentifierKind
  pattern: RegExp
  /** Whether a match must not have a letter or digit just before or after it (a whole word). */
  wholeWords: boolean
}

const globalPattern = (source: string) => new RegExp(source, 'g')

/**
 * The name: every run of two or more consecutive parts (the whole name, "O'Neill", "Neill-Brady",
 * "van der Berg"), each part but the last also as an initial with a full stop ("W. Applethwaite";
 * without one, "a Brady" could be an article), with spaces, hyphens, apostrophes or nothing between;
 * then each part alone, unless it is one letter, a title, or a particle such as "de" or "van" after
 * the first part. All as whole words, except in scripts written without spaces.
 */
function namePatterns(name: string): OwnPattern[] {
  const raw = name.normalize('NFC').split(NAME_SEPARATORS).filter(Boolean)
  const parts = raw.map((p) => fold(p).text.replace(/[^\p{L}\p{N}]/gu, '')).filter(Boolean)
  const named = (source: string, among: readonly string[]): OwnPattern => ({
    kind: 'name',
    pattern: globalPattern(source),
    wholeWords: !among.every((p) => SPACELESS.test(p)),
  })
  const runs: OwnPattern[] = []
  for (let i = 0; i < parts.length; i++) {
    for (let j = i + 1; j < parts.length; j++) {
      let source = ''
      for (let k = i; k <= j; k++) {
        const part = parts[k] as string
        if (k === j) {
          source += namePartPattern(part)
        } else {
          const initial = String.fromCodePoint(part.codePointAt(0) as number)
          const full = part === initial ? `${escapeRegExp(part)}\\.?` : namePartPattern(part)
          source += `(?:${full}[\\s'\\-.]*|${escapeRegExp(initial)}\\.[\\s'\\-]*)`
        }
      }
      runs.push(named(source, parts.slice(i, j + 1)))
    }
  }
  const alone = parts
    .filter((part, index) => {
      if ([...part].length < 2 || NAME_TITLES.has(part)) return false
      const capitalisedFirst = index === 0 && /^\p{Lu}/u.test(raw[0] as string)
      return !(NAME_PARTICLES.has(part) && parts.length > 1 && !capitalisedFirst)
    })
    .map((part) => named(namePartPattern(part), [part]))
  return [...runs, ...alone]
}

/**
 * The date of birth as people write it: day, month and year in either order or year first;
 * separated by / . - \\ _ spaces or nothing; months as numbers, names or short names; ordinals;
 * "17th of April"; "April 17, 1938"; years in full or two digits ("'38"); and the month and year
 * of birth on their own ("April 1938").
 */
function dateOfBirthPattern(dateOfBirth: string | null): OwnPattern | null {
  const match = dateOfBirth?.match(/^(\d{4})-(\d{2})-(\d{2})$/)
  if (!match) return null
  const [, year, mm, dd] = match as unknown as [string, string, string, string]
  const month = Number(mm)
  const day = Number(dd)
  if (month < 1 || month > 12 || day < 1 || day > 31) return null
  const d = day < 10 ? `0?${day}` : dd
  const m = month < 10 ? `0?${month}` : mm
  const y2 = year.slice(2)
  const anyYear = `(?:${year}|'?${y2})`
  const mon = monthPattern(month)
  const s = NUMERIC_SEPARATOR
  const w = WORDY_SEPARATOR
  const forms = [
    `${NOT_AFTER_DIGIT}${d}${s}${m}${s}${anyYear}${NOT_BEFORE_DIGIT}`,
    `${NOT_AFTER_DIGIT}${m}${s}${d}${s}${anyYear}${NOT_BEFORE_DIGIT}`,
    `${NOT_AFTER_DIGIT}${year}${s}${m}${s}${d}${NOT_BEFORE_DIGIT}`,
    `${NOT_AFTER_DIGIT}(?:${dd}${mm}|${mm}${dd})(?:${year}|${y2})${NOT_BEFORE_DIGIT}`,
    `${NOT_AFTER_DIGIT}${year}${mm}${dd}${NOT_BEFORE_DIGIT}`,
    `${NOT_AFTER_DIGIT}${d}${ORDINAL}${w}(?:of${w})?${mon}${w}${anyYear}${NOT_BEFORE_DIGIT}`,
    `(?<![a-z])${mon}${w}(?:the${w})?${d}${ORDINAL}${w}${anyYear}${NOT_BEFORE_DIGIT}`,
    `${NOT_AFTER_DIGIT}${year}${w}${mon}${w}${d}${ORDINAL}${NOT_BEFORE_ALPHANUMERIC}`,
    `(?<![a-z])${mon}${w}${year}${NOT_BEFORE_DIGIT}`,
  ]
  return { kind: 'date_of_birth', pattern: globalPattern(forms.join('|')), wholeWords: false }
}

/** A value such as an NHS number or postcode, one character at a time, however it is spaced or punctuated. */
function spacedPattern(kind: OwnIdentifierKind, value: string | null | undefined, minLength: number) {
  const compact = fold(value ?? '').text.replace(/[^\p{L}\p{N}]/gu, '')
  if (compact.length < minLength) return null
  const source = [...compact].map(escapeRegExp).join(ANY_SPACING)
  return {
    kind,
    pattern: globalPattern(`${NOT_AFTER_ALPHANUMERIC}${source}${NOT_BEFORE_ALPHANUMERIC}`),
    wholeWords: false,
  }
}

function ownPatterns(person: IdentifyingDetails): OwnPattern[] {
  return [
    ...namePatterns(person.name),
    dateOfBirthPattern(person.dateOfBirth),
    spacedPattern('nhs_number', person.nhsNumber, 10),
    spacedPattern('postcode', person.postcode, 5),
    spacedPattern('postcode', person.preferredPostcode, 5),
    ...referencePatterns(person),
    ...contactPatterns(person),
  ].filter((p): p is OwnPattern => p !== null)
}

/** A UK phone number's national digits: '+44 7700 900456' and '07700 900456' are one number. */
function nationalDigits(phone: string | null | undefined): string | null {
  if (!phone) return null
  const digits = phone.replace(/\D/g, '')
  return digits.startsWith('44') && phone.trim().startsWith('+') ? `0${digits.slice(2)}` : digits
}

/** The person's phone, first address line and representative: taken out wherever they are typed. */
function contactPatterns(person: IdentifyingDetails): (OwnPattern | null)[] {
  const rep = person.representative
  const phones = [person.phone, rep?.phone].map(nationalDigits)
  return [
    ...phones.map((digits) => spacedPattern('contact', digits, 10)),
    // The number without its leading 0, as "+44 7700 900456" writes it.
    ...phones.map((digits) => spacedPattern('contact', digits?.replace(/^0/, ''), 9)),
    spacedPattern('contact', person.addressLine1, 6),
    spacedPattern('contact', rep?.email, 6),
    ...(rep?.name ? namePatterns(rep.name) : []),
  ]
}

/** Shorter references are left alone: three characters would take out ordinary numbers and words. */
const MIN_REFERENCE_CHARACTERS = 4

function referencePatterns(refs: Pick<IdentifyingDetails, 'personRef' | 'caseRef'>): OwnPattern[] {
  return [
    spacedPattern('case_reference', refs.personRef, MIN_REFERENCE_CHARACTERS),
    spacedPattern('case_reference', refs.caseRef, MIN_REFERENCE_CHARACTERS),
  ].filter((p): p is OwnPattern => p !== null)
}

/**
 * The text with only the case-system references taken out: for the awarded provider, who reads
 * the person's other details in full but never the council's case IDs.
 */
export function redactCaseReferences(
  text: string,
  refs: Pick<IdentifyingDetails, 'personRef' | 'caseRef'>,
): string {
  const patterns = referencePatterns(refs)
  if (text === '' || patterns.length === 0) return text
  const folded = fold(text)
  const spans = patterns
    .flatMap((p) =>
      [...ownMatches(folded.text, p)].map(({ start, end }) => originalSpan(text, folded, start, end)),
    )
    .sort((a, b) => a.start - b.start || b.end - a.end)
  let out = ''
  let at = 0
  for (const span of spans) {
    if (span.end <= at) continue
    out += text.slice(at, Math.max(at, span.start)) + (span.start >= at ? REMOVED : '')
    at = span.end
  }
  return out + text.slice(at)
}

// Made once per person: the opportunities pages read many requests, each several fields.
const patternCache = new Map<string, OwnPattern[]>()

function cachedOwnPatterns(person: IdentifyingDetails): OwnPattern[] {
  const key = [
    person.name,
    person.dateOfBirth,
    person.postcode,
    person.nhsNumber,
    person.preferredPostcode,
    person.personRef,
    person.caseRef,
    person.phone,
    person.addressLine1,
    person.representative?.name,
    person.representative?.phone,
    person.representative?.email,
  ]
    .map((v) => v ?? '')
    .join('\u0000')
  let patterns = patternCache.get(key)
  if (!patterns) {
    if (patternCache.size >= 1000) patternCache.clear()
    patterns = ownPatterns(person)
    patternCache.set(key, patterns)
  }
  return patterns
}

function wordCharacterBefore(text: string, at: number): boolean {
  if (at === 0) return false
  const code = text.charCodeAt(at - 1)
  const start = code >= 0xdc00 && code <= 0xdfff && at >= 2 ? at - 2 : at - 1
  return WORD_CHARACTER.test(String.fromCodePoint(text.codePointAt(start) as number))
}

function wordCharacterAt(text: string, at: number): boolean {
  return at < text.length && WORD_CHARACTER.test(String.fromCodePoint(text.codePointAt(at) as number))
}

/** Where one of the person's patterns matches the folded text, as whole words where it must be. */
function* ownMatches(folded: string, own: OwnPattern): Generator<{ start: number; end: number }> {
  const { pattern, wholeWords } = own
  pattern.lastIndex = 0
  for (let m = pattern.exec(folded); m !== null; m = pattern.exec(folded)) {
    const start = m.index
    const end = start + m[0].length
    if (
      end === start ||
      (wholeWords && (wordCharacterBefore(folded, start) || wordCharacterAt(folded, end)))
    ) {
      // Not here: look again from the next character, where a shorter alternative may start.
      pattern.lastIndex = start + 1
      continue
    }
    yield { start, end }
  }
}

// ---------------------------------------------------------------------------------------------
// Anyone's identifiers

interface SuspectMatcher {
  kind: SuspectedIdentifierKind
  pattern: RegExp
  /** Whether a match really is one (a phone number's length, a date's month). */
  accept?: (match: RegExpExecArray) => boolean
  /** Matched on the original text rather than the folded copy (it needs capital letters). */
  original?: boolean
}

const isDayMonth = (day: number, month: number) => day >= 1 && day <= 31 && month >= 1 && month <= 12
const isYear = (year: string) => year.length === 2 || (Number(year) >= 1900 && Number(year) <= 2099)

function isPhoneNumber(text: string): boolean {
  const digits = text.replace(/\D/g, '')
  let national: string
  if (/^\s*(?:\+|00)/.test(text)) {
    national = digits.replace(/^(?:00)?44/, '').replace(/^0/, '')
    return /^[12378]\d{8,9}$/.test(national)
  }
  return /^0[12378]\d{8,9}$/.test(digits)
}

const SUSPECT_MATCHERS: SuspectMatcher[] = [
  {
    kind: 'email',
    pattern: /[\p{L}\p{N}][\p{L}\p{N}._%+'-]*@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu,
  },
  {
    // UK numbers: 07700 900123, 01603 123456, 020 7946 0000, +44 (0)7700 900123, 0044 1603 123456.
    kind: 'phone',
    pattern:
      /(?<![\p{N}+])(?:(?:\+|00)\s*44\s*(?:\(\s*0\s*\)\s*)?|(?:\(\s*)?0)(?:[\s\-.()]*\d){8,10}?(?!\p{N})/gu,
    accept: (m) => isPhoneNumber(m[0]),
  },
  {
    // Ten digits, together or in groups: 943 476 5919, 943-476-5919, 9434765919.
    kind: 'nhs_number_like',
    pattern: /(?<!\p{N})\d(?:[\s\-./]?\d){9}(?!\p{N})/gu,
  },
  {
    kind: 'date',
    pattern: new RegExp(
      `${NOT_AFTER_DIGIT}(\\d{1,2})${SAME_SEPARATOR_TWICE[0]}(\\d{1,2})${SAME_SEPARATOR_TWICE[1]}(\\d{4}|\\d{2})${NOT_BEFORE_DIGIT}`,
      'gu',
    ),
    accept: (m) => {
      const [a, b] = [Number(m[1]), Number(m[3])]
      return (isDayMonth(a, b) || isDayMonth(b, a)) && isYear(m[4] as string)
    },
  },
  {
    kind: 'date',
    pattern: new RegExp(
      `${NOT_AFTER_DIGIT}(\\d{4})${SAME_SEPARATOR_TWICE[0]}(\\d{1,2})${SAME_SEPARATOR_TWICE[1]}(\\d{1,2})${NOT_BEFORE_DIGIT}`,
      'gu',
    ),
    accept: (m) => isYear(m[1] as string) && isDayMonth(Number(m[4]), Number(m[3])),
  },
  {
    // Eight digits that read as a date: 09031941, 19410309.
    kind: 'date',
    pattern: /(?<!\p{N})(\d{2})(\d{2})(\d{4})(?!\p{N})/gu,
    accept: (m) => {
      const [a, b, c] = [m[1] as string, m[2] as string, m[3] as string]
      const dayFirst = isDayMonth(Number(a), Number(b)) && isYear(c)
      const yearFirst = isYear(a + b) && isDayMonth(Number(c.slice(2)), Number(c.slice(0, 2)))
      return dayFirst || yearFirst
    },
  },
  {
    kind: 'date',
    pattern: new RegExp(
      `${NOT_AFTER_DIGIT}(\\d{1,2})${ORDINAL}${WORDY_SEPARATOR}(?:of${WORDY_SEPARATOR})?${ANY_MONTH}${WORDY_SEPARATOR}(\\d{4}|'?\\d{2})${NOT_BEFORE_DIGIT}`,
      'gu',
    ),
    accept: (m) => isDayMonth(Number(m[1]), 1) && isYear((m[2] as string).replace("'", '')),
  },
  {
    kind: 'date',
    pattern: new RegExp(
      `(?<!\\p{L})${ANY_MONTH}${WORDY_SEPARATOR}(?:the${WORDY_SEPARATOR})?(\\d{1,2})${ORDINAL}${WORDY_SEPARATOR}(\\d{4}|'?\\d{2})${NOT_BEFORE_DIGIT}`,
      'gu',
    ),
    accept: (m) => isDayMonth(Number(m[1]), 1) && isYear((m[2] as string).replace("'", '')),
  },
  {
    kind: 'date',
    pattern: new RegExp(
      `${NOT_AFTER_DIGIT}(\\d{4})${WORDY_SEPARATOR}${ANY_MONTH}${WORDY_SEPARATOR}(\\d{1,2})${ORDINAL}${NOT_BEFORE_ALPHANUMERIC}`,
      'gu',
    ),
    accept: (m) => isYear(m[1] as string) && isDayMonth(Number(m[2]), 1),
  },
  {
    kind: 'full_postcode',
    pattern: /(?<![\p{L}\p{N}])[a-z]{1,2}\d[a-z\d]?[\s-]*\d[a-z]{2}(?![\p{L}\p{N}])/gu,
    accept: (m) => isValidPostcode(m[0].replace(/[\s-]/g, '')),
  },
  {
    // A title and a capitalised name: "Mrs Smith", "Dr A. Patel".
    kind: 'titled_name',
    pattern:
      /(?<![\p{L}\p{N}])(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame|Lady|Lord|Prof)\.?[ \t\u00A0]+(?:\p{Lu}\.[ \t\u00A0]*)*\p{Lu}[\p{L}\p{M}'’-]*(?:[ \t\u00A0]+\p{Lu}[\p{L}\p{M}'’-]*)?/gu,
    original: true,
  },
]

// ---------------------------------------------------------------------------------------------
// Finding

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end
}

/**
 * Every identifier in the text, in order, none overlapping. The person's own are the union of
 * everything their patterns match, joined when only spaces are between them. Suspected identifiers that overlap one of the person's own are
 * left out (that text is taken out anyway); of suspected ones that overlap each other, the first
 * and longest is kept.
 */
export function findIdentifiers(text: string, person: IdentifyingDetails): FoundIdentifier[] {
  if (text === '') return []
  const folded = fold(text)
  const own: FoundIdentifier[] = []
  for (const pattern of cachedOwnPatterns(person)) {
    for (const { start, end } of ownMatches(folded.text, pattern)) {
      own.push({ ...originalSpan(text, folded, start, end), kind: pattern.kind, own: true })
    }
  }
  own.sort((a, b) => a.start - b.start || b.end - a.end)
  const merged: FoundIdentifier[] = []
  for (const span of own) {
    const last = merged[merged.length - 1]
    // Overlapping, or only spaces apart ("Siân" and "O'Neill" of "Siân Zoë O'Neill"): one removal.
    if (last && (span.start < last.end || /^[ \t\u00A0]+$/u.test(text.slice(last.end, span.start))))
      last.end = Math.max(last.end, span.end)
    else merged.push({ ...span })
  }

  const suspects: FoundIdentifier[] = []
  for (const matcher of SUSPECT_MATCHERS) {
    for (const m of (matcher.original ? text : folded.text).matchAll(matcher.pattern)) {
      if (m[0] === '' || (matcher.accept && !matcher.accept(m))) continue
      const span = matcher.original
        ? { start: m.index, end: m.index + m[0].length }
        : originalSpan(text, folded, m.index, m.index + m[0].length)
      suspects.push({ ...span, kind: matcher.kind, own: false })
    }
  }
  // Stable: at the same place and length, the matcher listed first (email before phone) wins.
  suspects.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start))
  const kept: FoundIdentifier[] = []
  for (const suspect of suspects) {
    if (merged.some((o) => overlaps(o, suspect)) || kept.some((k) => overlaps(k, suspect))) continue
    kept.push(suspect)
  }
  return [...merged, ...kept].sort((a, b) => a.start - b.start)
}

/** The text with each of the person's own identifiers replaced by "[removed]"; everything else as typed. */
export function redactOwnIdentifiers(text: string, person: IdentifyingDetails): string {
  return textParts(text, person)
    .map((part) => part.text)
    .join('')
}

/** The suspected identifiers (anyone's, not the person's own) left in the text providers would read. */
export function suspectedIdentifiers(text: string, person: IdentifyingDetails): FoundIdentifier[] {
  return findIdentifiers(text, person).filter((found) => !found.own)
}

export interface TextPart {
  /** As providers read it: "[removed]" for the person's own identifiers, otherwise as typed. */
  text: string
  identifier: { kind: IdentifierKind; own: boolean; label: string } | null
}

/** The text as providers read it, in parts: plain text, removed identifiers and suspected ones. */
export function textParts(text: string, person: IdentifyingDetails): TextPart[] {
  const parts: TextPart[] = []
  let at = 0
  for (const found of findIdentifiers(text, person)) {
    if (found.start > at) parts.push({ text: text.slice(at, found.start), identifier: null })
    parts.push({
      text: found.own ? REMOVED : text.slice(found.start, found.end),
      identifier: { kind: found.kind, own: found.own, label: IDENTIFIER_LABELS[found.kind] },
    })
    at = found.end
  }
  if (at < text.length) parts.push({ text: text.slice(at), identifier: null })
  return parts
}
