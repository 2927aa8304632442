// Money: amounts are integer pence everywhere (ARCHITECTURE.md, data conventions). This is the one
// place that reads pounds as people type them and writes pence as pounds.

/** Pounds as typed, read: whole pence, or what kept them from being read. */
export type PoundsParsed =
  | { ok: true; pence: number }
  | {
      ok: false
      /** Nothing was typed; a negative amount; anything else that is not pounds and pence. */
      problem: 'empty' | 'negative' | 'invalid'
    }

const AMOUNT = /^(\d+)(?:\.(\d{1,2}))?$/
const NEGATIVE = /^-\d*\.?\d+$/

/**
 * Pounds as typed ("£1,050.50", "1050.5", " 24 ", or the number 25.5 from a JSON body) as integer
 * pence, counted in whole numbers so no penny is lost to floating point. "£", commas and spaces are
 * ignored wherever they are; at most two decimal places. "-0" is £0, not a negative amount. Each
 * caller sets its own limits and words its own messages.
 */
export function parsePounds(input: unknown): PoundsParsed {
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input : null
  if (input === null || input === undefined) return { ok: false, problem: 'empty' }
  if (text === null) return { ok: false, problem: 'invalid' }
  const compact = text.replace(/[£,\s]/g, '')
  if (compact === '') return { ok: false, problem: 'empty' }
  if (NEGATIVE.test(compact)) {
    return Number(compact) === 0 ? { ok: true, pence: 0 } : { ok: false, problem: 'negative' }
  }
  const match = AMOUNT.exec(compact)
  if (!match) return { ok: false, problem: 'invalid' }
  return { ok: true, pence: Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0')) }
}

// Made once: toLocaleString with options builds a new formatter on every call, and ranking a
// request's offers writes prices for every offer.
const poundsFormat = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
const wholePoundsFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 })
const roundedPoundsFormat = new Intl.NumberFormat('en-GB', {
  style: 'currency',
  currency: 'GBP',
  maximumFractionDigits: 0,
})

/** Integer pence as pounds: "£1,234.50". */
export function formatPounds(pence: number): string {
  return `£${poundsFormat.format(pence / 100)}`
}

/** Integer pence as pounds, without pence when there are none: "£31,500", "£12.50". */
export function formatPoundsShort(pence: number): string {
  return pence % 100 === 0 ? `£${wholePoundsFormat.format(pence / 100)}` : formatPounds(pence)
}

/** Integer pence rounded to the nearest pound: "£1,235" (figures for a year, where pence are noise). */
export function formatRoundedPounds(pence: number): string {
  return roundedPoundsFormat.format(Math.round(pence / 100))
}

/**
 * Integer pence as a form's box shows them, so that posting it back gives the same pence: "1050.50";
 * whole pounds as "25" unless `pence` is 'always' ("25.00", where the hint says "1050.00").
 */
export function formatPoundsInput(
  pence: number | null | undefined,
  { pence: showPence = 'when-any' }: { pence?: 'always' | 'when-any' } = {},
): string {
  if (pence === null || pence === undefined) return ''
  if (showPence === 'when-any' && pence % 100 === 0) return String(pence / 100)
  return (pence / 100).toFixed(2)
}
