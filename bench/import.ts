// `npm run bench -- import`: generates a CQC file of 30,000 locations from the demo market, as
// CSV and as the .xlsx workbook CQC publishes, and imports each into a fresh council on PGlite and
// on PostgreSQL, each in a process of its own so that its memory is its own. A raw batched INSERT of the same rows in the same run is the
// baseline, because these machines are noisy.

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { demoCqcLocations, writeDemoCqcFile } from '../src/demo/cqc-export.ts'
import { planCouncil } from '../src/demo/plan.ts'
import { writeHscaXlsx } from '../src/providers/cqc/write.ts'
import type { WorkerResult } from './import-worker.ts'
import { round } from './measure.ts'

const LOCATIONS = 30_000
// 50 demo councils of about 600 locations each hold 30,000.
const SCALE = 50
const SEED = 1
const TARGETS = { postgresRowsPerSecond: 5_000, pgliteRowsPerSecond: 2_000, peakRssMb: 400 }
const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres'

const log = (message: string) => process.stderr.write(`bench import: ${message}\n`)

export interface BenchDistrict {
  outcode: string
  locality: string
  pcn: string
}

/** The postcode and district centroids of the generated locations, and the demo councils' districts. */
async function writeGeography(centroidsFile: string): Promise<BenchDistrict[]> {
  const out = createWriteStream(centroidsFile)
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain')
  }
  await write('postcode,latitude,longitude\n')
  const districts: BenchDistrict[] = []
  let written = 0
  for (let index = 0; index < SCALE && written < LOCATIONS; index++) {
    const plan = planCouncil(index, { seed: SEED, scale: SCALE })
    for (const d of plan.districts) {
      await write(`${d.outcode},${d.centroid.latitude},${d.centroid.longitude}\n`)
      // One bench council covers every demo council's area: the city locality is "City".
      const locality = d.locality === plan.localities[4] ? 'City' : d.locality
      districts.push({ outcode: d.outcode, locality, pcn: `${plan.code} ${d.pcn}` })
    }
    for (const l of plan.locations.slice(0, LOCATIONS - written))
      await write(`${l.postcode},${l.latitude},${l.longitude}\n`)
    written += Math.min(plan.locations.length, LOCATIONS - written)
  }
  out.end()
  await once(out, 'finish')
  return districts
}

async function runEngine(args: string[]): Promise<WorkerResult> {
  const { setupSeconds } = await runWorker<{ setupSeconds: number }>(['setup', ...args])
  return { setupSeconds, ...(await runWorker<Omit<WorkerResult, 'setupSeconds'>>(['measure', ...args])) }
}

function runWorker<T>(args: string[]): Promise<T> {
  const worker = path.join(import.meta.dirname, 'import-worker.ts')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let stdout = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`the ${args.slice(0, 2).join(' ')} worker exited with code ${code}`))
      try {
        resolve(JSON.parse(stdout) as T)
      } catch (error) {
        reject(error)
      }
    })
  })
}

async function reachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return null
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => {})
  }
}

async function withScratchDatabase<T>(serverUrl: string, work: (url: string) => Promise<T>): Promise<T> {
  const name = `caremarket_bench_${Math.random().toString(16).slice(2, 10)}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
    const url = new URL(serverUrl)
    url.pathname = `/${name}`
    return await work(url.toString())
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => {})
    await admin.end()
  }
}

function verdict(result: WorkerResult, rowsPerSecondTarget: number) {
  return {
    ...result,
    importVsBaseline: round(result.import.rowsPerSecond / result.baselineRawInsert.rowsPerSecond, 2),
    // What the import itself added to the process; with PGlite the database engine is in the start figure.
    importOwnRssMb: round(result.import.peakRssMb - result.import.startRssMb),
    meetsTargets: {
      rowsPerSecond: result.import.rowsPerSecond >= rowsPerSecondTarget,
      peakRss: result.import.peakRssMb < TARGETS.peakRssMb,
    },
  }
}

type EngineResult = ReturnType<typeof verdict> | { skipped: string }

/** Imports one file on PGlite, then on PostgreSQL when it is reachable. */
async function runEngines(file: string, geography: string[], dir: string, name: string) {
  const args = [file, ...geography]
  log(`importing ${path.basename(file)} on PGlite (embedded, in a data directory)`)
  const pglite = verdict(
    await runEngine(['pglite', ...args, path.join(dir, `pglite-${name}`)]),
    TARGETS.pgliteRowsPerSecond,
  )
  const serverUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_SERVER
  const unreachable = await reachable(serverUrl)
  let postgres: EngineResult
  if (unreachable) {
    log(`skipping PostgreSQL: ${unreachable}`)
    postgres = { skipped: `PostgreSQL at ${new URL(serverUrl).host} is not reachable: ${unreachable}` }
  } else {
    log(`importing ${path.basename(file)} on PostgreSQL at ${new URL(serverUrl).host}, in a scratch database`)
    postgres = await withScratchDatabase(serverUrl, async (url) =>
      verdict(await runEngine(['postgres', ...args, url]), TARGETS.postgresRowsPerSecond),
    )
  }
  return { pglite, postgres }
}

const measured = (results: EngineResult[]) =>
  results.filter((r): r is ReturnType<typeof verdict> => 'meetsTargets' in r)

export async function runImportBenchmark() {
  const dir = mkdtempSync(path.join(tmpdir(), 'caremarket-bench-'))
  try {
    log(`generating ${LOCATIONS.toLocaleString('en-GB')} locations from the demo market (scale ${SCALE})`)
    const file = path.join(dir, 'hsca-active-locations.csv')
    const centroids = path.join(dir, 'centroids.csv')
    const districtsFile = path.join(dir, 'districts.json')
    const started = performance.now()
    const { locations } = await writeDemoCqcFile(createWriteStream(file), {
      scale: SCALE,
      seed: SEED,
      limit: LOCATIONS,
    })
    const generateSeconds = round((performance.now() - started) / 1000, 2)
    // The same locations as the workbook CQC publishes: a notes sheet, then the register sheet.
    const workbook = path.join(dir, 'HSCA_Active_Locations.xlsx')
    const workbookStarted = performance.now()
    const out = createWriteStream(workbook)
    await writeHscaXlsx(demoCqcLocations({ scale: SCALE, seed: SEED, limit: LOCATIONS }), out)
    const workbookSeconds = round((performance.now() - workbookStarted) / 1000, 2)
    const districts = await writeGeography(centroids)
    writeFileSync(districtsFile, JSON.stringify(districts))
    const geography = [centroids, districtsFile, String(locations)]

    const csv = await runEngines(file, geography, dir, 'csv')
    const xlsx = await runEngines(workbook, geography, dir, 'xlsx')
    const all = measured([csv.pglite, csv.postgres, xlsx.pglite, xlsx.postgres])
    return {
      benchmark: 'import',
      machine: { cpus: cpus().length, node: process.version, platform: process.platform },
      file: {
        format: 'hsca-active-locations',
        locations,
        bytes: statSync(file).size,
        generateSeconds,
      },
      targets: TARGETS,
      engines: csv,
      workbook: {
        file: {
          format: 'hsca-active-locations (.xlsx)',
          locations,
          bytes: statSync(workbook).size,
          generateSeconds: workbookSeconds,
        },
        engines: xlsx,
      },
      allTargetsMet: all.every((r) => r.meetsTargets.rowsPerSecond && r.meetsTargets.peakRss),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
