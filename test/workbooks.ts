// Small workbooks made in the tests, so no spreadsheet needs committing: .xlsx with exceljs, and
// .ods written by hand (no package writes OpenDocument) and zipped with JSZip.
import ExcelJS from 'exceljs'
import JSZip from 'jszip'

export type Cell = string | number | Date | null
export interface Sheet {
  name: string
  rows: Cell[][]
}

export async function xlsxBuffer(sheets: Sheet[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  for (const sheet of sheets) {
    const worksheet = workbook.addWorksheet(sheet.name)
    for (const row of sheet.rows) worksheet.addRow(row)
  }
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

const xmlText = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')

function odsCell(cell: Cell): string {
  if (cell === null || cell === '') return '<table:table-cell/>'
  if (typeof cell === 'number')
    return `<table:table-cell office:value-type="float" office:value="${cell}"><text:p>${cell}</text:p></table:table-cell>`
  if (cell instanceof Date) {
    const date = cell.toISOString().slice(0, 10)
    return `<table:table-cell office:value-type="date" office:date-value="${date}"><text:p>${date}</text:p></table:table-cell>`
  }
  // Runs of spaces are written as LibreOffice writes them, with <text:s/>.
  const body = xmlText(cell).replace(/ {2,}/g, (run) => ` <text:s text:c="${run.length - 1}"/>`)
  return `<table:table-cell office:value-type="string"><text:p>${body}</text:p></table:table-cell>`
}

/** An .ods as LibreOffice lays one out: trailing empty rows and columns repeated to the sheet's edge. */
export async function odsBuffer(sheets: Sheet[], options: { streamFiles?: boolean } = {}): Promise<Buffer> {
  const tables = sheets.map(
    (sheet) =>
      `<table:table table:name="${xmlText(sheet.name)}">` +
      '<table:table-column table:number-columns-repeated="1024"/>' +
      sheet.rows
        .map(
          (row) =>
            `<table:table-row>${row.map(odsCell).join('')}<table:table-cell table:number-columns-repeated="${1024 - row.length}"/></table:table-row>`,
        )
        .join('') +
      '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>' +
      '</table:table>',
  )
  const content =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ' +
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ' +
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">' +
    `<office:body><office:spreadsheet>${tables.join('')}</office:spreadsheet></office:body></office:document-content>`
  const zip = new JSZip()
  zip.file('mimetype', 'application/vnd.oasis.opendocument.spreadsheet', { compression: 'STORE' })
  zip.file(
    'META-INF/manifest.xml',
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">' +
      '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>' +
      '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
  )
  zip.file('content.xml', content)
  return zip.generateAsync({
    type: 'nodebuffer',
    compression: 'DEFLATE',
    streamFiles: options.streamFiles ?? false,
  })
}
