// Capacity as CSV: the upload's parser and the templates providers download. A file may hold
// bed rows, home care rows or both: each row fills in the columns of one kind and leaves the
// other kind's blank.
import { ValidationError } from '../../errors.ts'
import { headerKey, readTable } from '../../spreadsheets/rows.ts'
import { csvText } from '../../web/csv.ts'
import { minutesToHours } from './rules.ts'
import type { CapacityInput, LocationCapacity } from './service.ts'

export const BED_COLUMNS = ['cqc_location_id', 'bed_type', 'vacancies'] as const
export const HOME_CARE_COLUMNS = ['cqc_location_id', 'outcode', 'spare_hours_per_week'] as const
const KNOWN_COLUMNS = new Set<string>([...BED_COLUMNS, ...HOME_CARE_COLUMNS])
export const MAX_CSV_ROWS = 5_000
export const MAX_CSV_BYTES = 1024 * 1024

const EXPECTED = `Expected the columns ${BED_COLUMNS.join(',')} for beds, ${HOME_CARE_COLUMNS.join(',')} for home care, or all five`

function fileProblem(message: string): ValidationError {
  return new ValidationError([{ field: 'file', message }])
}

/**
 * Turns an uploaded file (CSV, or a workbook's first sheet) into capacity rows, each labelled with
 * its line. Whole-file problems throw.
 */
export async function readCapacityFile(content: Buffer | string): Promise<CapacityInput[]> {
  const { header, body, more } = await readTable(content, MAX_CSV_ROWS)
  if (!header) throw fileProblem(`The file is empty. ${EXPECTED}`)
  // Titles as people type them: "CQC Location ID", "Bed type", "spare hours per week".
  const columns = header.map((title) => headerKey(title).replaceAll(' ', '_'))
  const unknown = columns.filter((name) => !KNOWN_COLUMNS.has(name))
  const has = (name: string) => columns.includes(name)
  const beds = has('bed_type') && has('vacancies')
  const homeCare = has('outcode') && has('spare_hours_per_week')
  if (
    unknown.length > 0 ||
    !has('cqc_location_id') ||
    (!beds && !homeCare) ||
    has('bed_type') !== has('vacancies') ||
    has('outcode') !== has('spare_hours_per_week') ||
    new Set(columns).size !== columns.length
  ) {
    throw fileProblem(
      `The first line must name the columns. ${EXPECTED}. This file has: ${header.join(',').slice(0, 200) || 'nothing'}`,
    )
  }
  if (more)
    throw fileProblem(
      `The file has more than ${MAX_CSV_ROWS.toLocaleString('en-GB')} rows; upload ${MAX_CSV_ROWS.toLocaleString('en-GB')} or fewer at a time`,
    )
  if (body.length === 0) throw fileProblem('The file has a header but no rows of capacity')

  return body.map(({ cells, line }) => {
    const value = (name: string) => {
      const index = columns.indexOf(name)
      return index >= 0 ? (cells[index] ?? '') : ''
    }
    return {
      field: `line-${line}`,
      label: `Line ${line}`,
      cqcLocationId: value('cqc_location_id'),
      bedType: value('bed_type'),
      vacancies: value('vacancies'),
      outcode: value('outcode'),
      spareHoursPerWeek: value('spare_hours_per_week'),
    }
  })
}

/** A template filled in with the organisation's locations and their latest figures. */
export function bedTemplate(capacity: LocationCapacity[]): string {
  const rows = capacity
    .filter((l) => l.reportsBeds)
    .flatMap((l) =>
      l.bedTypes.map((bedType) => [
        l.cqcLocationId,
        bedType,
        l.beds.find((b) => b.bedType === bedType)?.vacancies ?? '',
      ]),
    )
  return csvText([[...BED_COLUMNS], ...rows])
}

export function homeCareTemplate(capacity: LocationCapacity[]): string {
  const rows = capacity.flatMap((l) =>
    l.homeCare
      .filter((h) => h.covered)
      .map((h) => [
        l.cqcLocationId,
        h.outcode,
        h.spareMinutesPerWeek === null ? '' : minutesToHours(h.spareMinutesPerWeek),
      ]),
  )
  return csvText([[...HOME_CARE_COLUMNS], ...rows])
}
