// One engine's run of the import benchmark: setup, then measure, each in a process of its own.
// Prints one JSON result.
//   node --import tsx bench/import-worker.ts <setup|measure> <pglite|postgres> <file> <centroids> <districts.json> <rows> <dataDir|url>

import { createReadStream, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { createCouncil, getCouncilByCode } from '../src/accounts/service.ts'
import { type Database, openDatabase } from '../src/db/connection.ts'
import { demoCqcLocations } from '../src/demo/cqc-export.ts'
import { councilDistricts, localities, pcnAreas } from '../src/geography/schema.ts'
import { importCentroids } from '../src/geography/service.ts'
import { importCqcFile } from '../src/providers/cqc/import.ts'
import { parseCqcFile } from '../src/providers/cqc/parse.ts'
import type { CqcLocationWriteInput } from '../src/providers/cqc/write.ts'
import { locations, providerOrganisations } from '../src/providers/schema.ts'
import type { BenchDistrict } from './import.ts'
import { type PhaseResult, phase, RssSampler } from './measure.ts'

const actor = { kind: 'system', label: 'bench' } as const

export interface WorkerResult {
  engine: string
  setupSeconds: number
  import: PhaseResult & { added: number; updated: number; unchanged: number; rejected: number }
  reimport: PhaseResult & { added: number; updated: number; unchanged: number }
  parseOnly: PhaseResult
  baselineRawInsert: PhaseResult
}

/** A council covering every generated location's district, with localities and PCN areas. */
async function benchCouncil(db: Database, code: string, districts: BenchDistrict[]): Promise<number> {
  const councilId = (await createCouncil(db, { code, name: `${code} County Council` }, actor)).id
  const names = [...new Set(districts.map((d) => d.locality))]
  const localityRows = await db
    .insert(localities)
    .values(names.map((name) => ({ councilId, name })))
    .returning()
  const localityId = new Map(localityRows.map((r) => [r.name, r.id]))
  const pcns = [...new Map(districts.map((d) => [d.pcn, d.locality])).entries()]
  const pcnRows = await db
    .insert(pcnAreas)
    .values(
      pcns.map(([name, locality]) => ({ councilId, name, localityId: localityId.get(locality) as number })),
    )
    .returning()
  const pcnId = new Map(pcnRows.map((r) => [r.name, r.id]))
  await db.insert(councilDistricts).values(
    districts.map((d) => ({
      councilId,
      outcode: d.outcode,
      localityId: localityId.get(d.locality) as number,
      pcnAreaId: pcnId.get(d.pcn) ?? null,
      rural: true,
    })),
  )
  return councilId
}

/** The baseline: the same rows, already in Caremarket's vocabulary, inserted 500 at a time. */
async function rawInsert(db: Database, councilId: number, records: CqcLocationWriteInput[]): Promise<void> {
  await db.transaction(async (tx) => {
    const providers = [...new Map(records.map((r) => [r.cqcProviderId, r.providerName ?? r.cqcProviderId]))]
    const providerId = new Map<string, number>()
    for (let i = 0; i < providers.length; i += 500) {
      const inserted = await tx
        .insert(providerOrganisations)
        .values(
          providers.slice(i, i + 500).map(([cqcProviderId, name]) => ({ councilId, cqcProviderId, name })),
        )
        .returning({ id: providerOrganisations.id, cqcProviderId: providerOrganisations.cqcProviderId })
      for (const row of inserted) providerId.set(row.cqcProviderId, row.id)
    }
    for (let i = 0; i < records.length; i += 500) {
      await tx.insert(locations).values(
        records.slice(i, i + 500).map((r) => ({
          councilId,
          providerOrganisationId: providerId.get(r.cqcProviderId) as number,
          cqcLocationId: r.cqcLocationId,
          name: r.name,
          address: r.address,
          postcode: r.postcode,
          latitude: r.latitude,
          longitude: r.longitude,
          registeredBeds: r.registeredBeds,
          serviceTypes: r.serviceTypes,
          specialisms: r.specialisms,
          clientGroups: r.clientGroups,
          cqcRating: r.cqcRating,
          cqcRatingDate: r.cqcRatingDate,
        })),
      )
    }
  })
}

interface WorkerArgs {
  step: 'setup' | 'measure'
  engine: 'pglite' | 'postgres'
  file: string
  centroids: string
  districtsFile: string
  rows: number
  target: string
}

function parseArgs(): WorkerArgs {
  const args = process.argv.slice(2)
  const [step, engine, file, centroids, districtsFile, rows, target] = args
  if (
    args.length !== 7 ||
    (step !== 'setup' && step !== 'measure') ||
    (engine !== 'pglite' && engine !== 'postgres') ||
    !file ||
    !centroids ||
    !districtsFile ||
    !target
  )
    throw new Error(
      'usage: import-worker.ts <setup|measure> <pglite|postgres> <file> <centroids> <districts.json> <rows> <dataDir|url>',
    )
  return { step, engine, file, centroids, districtsFile, rows: Number(rows), target }
}

const open = ({ engine, target }: WorkerArgs) =>
  openDatabase(
    engine === 'postgres' ? { kind: 'postgres', url: target } : { kind: 'pglite', dataDir: target },
  )

/**
 * Creates the database, the reference data and the two councils. A process of its own: a new
 * embedded database's initdb takes far more memory than the database needs afterwards, and a
 * process does not give memory back, so the import is measured the way it runs for real: in a
 * process that opens an existing database.
 */
async function setup(args: WorkerArgs): Promise<{ setupSeconds: number }> {
  const started = performance.now()
  const database = await open(args)
  try {
    await database.migrate()
    const { db } = database
    const districts = JSON.parse(readFileSync(args.districtsFile, 'utf8')) as BenchDistrict[]
    await importCentroids(db, createReadStream(args.centroids))
    await benchCouncil(db, 'BENCH', districts)
    await createCouncil(db, { code: 'BASE', name: 'Baseline Council' }, actor)
  } finally {
    await database.close()
  }
  return { setupSeconds: Math.round(performance.now() - started) / 1000 }
}

async function measure(args: WorkerArgs): Promise<Omit<WorkerResult, 'setupSeconds'>> {
  const { engine, file, rows } = args
  const sampler = new RssSampler()
  const database = await open(args)
  try {
    const { db } = database
    const councilId = (await getCouncilByCode(db, 'BENCH')).id
    const baselineCouncilId = (await getCouncilByCode(db, 'BASE')).id
    const importOnce = () =>
      importCqcFile(db, {
        councilId,
        input: createReadStream(file),
        fileName: path.basename(file),
        bytesTotal: statSync(file).size,
        // The file holds fifty demo councils' local authorities; the bench council takes them all.
        localAuthority: null,
        full: true,
        actor,
      })
    const first = await phase(sampler, rows, importOnce)
    if (first.value.added !== rows) throw new Error(`expected ${rows} added, got ${first.value.added}`)
    const second = await phase(sampler, rows, importOnce)
    if (second.value.unchanged !== rows)
      throw new Error(`expected ${rows} unchanged, got ${second.value.unchanged}`)
    const parseOnly = await phase(sampler, rows, async () => {
      let parsed = 0
      for await (const _row of parseCqcFile(createReadStream(file))) parsed++
      return parsed
    })
    // Built before the clock starts: the baseline is the database's share of the work alone.
    const records = [...demoCqcLocations({ scale: 50, seed: 1, limit: rows })]
    const baseline = await phase(sampler, rows, () => rawInsert(db, baselineCouncilId, records))
    const { value: firstReport, ...importPhase } = first
    const { value: secondReport, ...reimportPhase } = second
    const { value: _parsed, ...parsePhase } = parseOnly
    const { value: _inserted, ...baselinePhase } = baseline
    return {
      engine,
      import: {
        ...importPhase,
        added: firstReport.added,
        updated: firstReport.updated,
        unchanged: firstReport.unchanged,
        rejected: firstReport.rejected.length,
      },
      reimport: {
        ...reimportPhase,
        added: secondReport.added,
        updated: secondReport.updated,
        unchanged: secondReport.unchanged,
      },
      parseOnly: parsePhase,
      baselineRawInsert: baselinePhase,
    }
  } finally {
    sampler.stop()
    await database.close()
  }
}

const args = parseArgs()
process.stdout.write(`${JSON.stringify(args.step === 'setup' ? await setup(args) : await measure(args))}\n`)
