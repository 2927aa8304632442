import { createReadStream } from 'node:fs'
import path from 'node:path'
import { pipeline, Transform } from 'node:stream'
import type { Command } from 'commander'
import { CENTROID_HEADERS } from '../geography/service.ts'
import { type CliContext, printJson } from './context.ts'
import { fileToRead, progressBar } from './import.ts'

const number = new Intl.NumberFormat('en-GB')
// A national postcode file has many rows without coordinates; the first ones are enough to see why.
const REJECTIONS_SHOWN = 20

export function registerGeoCommands(program: Command, context: CliContext): void {
  const geo = program.command('geo').description('Manage postcode reference data')

  geo
    .command('import')
    .description(
      `Load postcode or postcode-district centroids from a CSV with a header row naming ${CENTROID_HEADERS}. ` +
        'Full postcodes and districts may share one column. Existing centroids are replaced.',
    )
    .argument('<csv>', 'the CSV file')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const bytesTotal = fileToRead(file)
      const bar = progressBar(
        `Loading ${path.basename(file)} [{bar}] {percentage}% | {duration_formatted}`,
        options.json,
      )
      let bytesRead = 0
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytesRead += chunk.length
          bar?.update(bytesRead)
          done(null, chunk)
        },
      })
      const report = await context.withServices(async ({ geography }) => {
        bar?.start(bytesTotal, 0)
        try {
          // pipeline closes the file whichever end fails.
          pipeline(createReadStream(file), counter, () => {})
          return await geography.importCentroids(counter)
        } finally {
          bar?.stop()
        }
      })
      if (options.json) {
        printJson(report)
        return
      }
      const lines = [
        `Loaded ${number.format(report.postcodes)} postcode and ${number.format(report.outcodes)} postcode ` +
          `district centroids from ${path.basename(file)}.`,
      ]
      if (report.rejectedCount > 0) {
        lines.push(`${number.format(report.rejectedCount)} rows were not loaded:`)
        for (const row of report.rejected.slice(0, REJECTIONS_SHOWN))
          lines.push(`  line ${row.line}: ${row.reason}`)
        if (report.rejectedCount > REJECTIONS_SHOWN)
          lines.push(`  and ${number.format(report.rejectedCount - REJECTIONS_SHOWN)} more (see --json)`)
      }
      process.stdout.write(`${lines.join('\n')}\n`)
    })
}
