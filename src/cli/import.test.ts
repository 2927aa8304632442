import { spawn } from 'node:child_process'
import { once } from 'node:events'
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { asc, eq } from 'drizzle-orm'
import { afterAll, describe, expect, it } from 'vitest'
import { caremarketBin, runBinary, runCliWithEnv } from '../../test/support/cli.ts'
import { createServerDatabase } from '../../test/support/database.ts'
import { createCouncil } from '../accounts/service.ts'
import { type Database, type DatabaseHandle, type DatabaseTarget, openDatabase } from '../db/connection.ts'
import { demoCqcLocations, writeDemoCqcFile } from '../demo/cqc-export.ts'
import {
  ABANDONED_IMPORT_ERROR,
  failAbandonedImports,
  getCqcImport,
  importCqcFile,
  listCqcImports,
} from '../providers/cqc/import.ts'
import { writeHscaXlsx } from '../providers/cqc/write.ts'
import { locations, providerOrganisations } from '../providers/schema.ts'

const fixtures = path.resolve(import.meta.dirname, '../../test/fixtures/cqc')
const OUTCODES_FILE = path.resolve(import.meta.dirname, '../../../shared/data/uk-outcodes.csv')
const scratch = mkdtempSync(path.join(tmpdir(), 'caremarket-import-cli-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const env: NodeJS.ProcessEnv = {
  ...process.env,
  CAREMARKET_DATA_DIR: path.join(scratch, 'data'),
  CAREMARKET_PASSWORD_COST_LOG2: '10',
  LOG_LEVEL: 'warn',
}
delete env.DATABASE_URL

const run = (args: string[]) => runBinary(args, env)
// Refusals are about the command's answer, not the process: run in process, seconds quicker.
const refusal = (args: string[]) => runCliWithEnv(args, env)

describe('caremarket import cqc and geo import', () => {
  it('imports CQC files into a council and prints the report', async () => {
    const demo = await run(['demo', '--seed', '3', '--json'])
    expect(demo.code, demo.stderr).toBe(0)

    const fixture = path.join(fixtures, 'hsca-active-locations.csv')
    const first = await run([
      'import',
      'cqc',
      fixture,
      '--council',
      'DEMO',
      '--local-authority',
      'Norfolk',
      '--json',
    ])
    expect(first.code, first.stderr).toBe(0)
    const report = JSON.parse(first.stdout)
    expect(report).toEqual({
      importId: expect.any(Number),
      added: 3,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      ended: 0,
      rejected: [
        { line: 5, reason: 'unknown rating "Brilliant"' },
        { line: 6, reason: 'negative registered beds "-4"' },
        { line: 7, reason: 'registered beds not a whole number "twelve"' },
      ],
    })
    // Piped output: no progress bar on stderr.
    expect(first.stderr).toBe('')

    const again = await run(['import', 'cqc', fixture, '--council', 'DEMO', '--local-authority', 'Norfolk'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain('0 added, 0 updated, 3 unchanged, 0 marked inactive, 3 rows rejected.')
    expect(again.stdout).toContain('keeping local authority Norfolk')
    expect(again.stdout).toContain('line 6: negative registered beds "-4"')
    expect(again.stdout).toContain('Left out 2 rows of other local authorities.')

    // The demo market in CQC format: the council's own local authority is the default filter.
    const demoFile = path.join(scratch, 'demo.csv')
    await writeDemoCqcFile(createWriteStream(demoFile), { scale: 2, seed: 3 })
    const own = await run(['import', 'cqc', demoFile, '--council', 'DEMO', '--json'])
    expect(own.code, own.stderr).toBe(0)
    const ownReport = JSON.parse(own.stdout)
    expect(ownReport.added).toBe(0)
    expect(ownReport.updated + ownReport.unchanged).toBeGreaterThan(500)
    expect(ownReport.rejected).toEqual([])
    const ownAgain = JSON.parse(
      (await run(['import', 'cqc', demoFile, '--council', 'DEMO', '--json'])).stdout,
    )
    expect(ownAgain).toMatchObject({
      added: 0,
      updated: 0,
      unchanged: ownReport.updated + ownReport.unchanged,
    })

    // The same register as the HSCA workbook CQC publishes: read directly, it changes nothing.
    const workbook = path.join(scratch, 'HSCA_Active_Locations.xlsx')
    const out = createWriteStream(workbook)
    await writeHscaXlsx(demoCqcLocations({ scale: 2, seed: 3 }), out)
    const fromWorkbook = await run(['import', 'cqc', workbook, '--council', 'DEMO'])
    expect(fromWorkbook.code, fromWorkbook.stderr).toBe(0)
    expect(fromWorkbook.stdout).toContain('(CQC HSCA Active Locations')
    expect(fromWorkbook.stdout).toContain(
      `0 added, 0 updated, ${ownReport.updated + ownReport.unchanged} unchanged, 0 marked inactive, 0 rows rejected.`,
    )
  })

  it('refuses a file with the wrong headers, a missing file and contradictory options', async () => {
    const wrong = path.join(scratch, 'wrong.csv')
    writeFileSync(wrong, 'Id,Title,Postcode\n1,Somewhere,NR1 1AA\n')
    const bad = await refusal(['import', 'cqc', wrong, '--council', 'DEMO', '--json'])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toContain('not a CQC register file')
    expect(bad.stderr).toContain('CQC Location ID (for office use only)')

    // Saved as UTF-16, as spreadsheet programs offer: every other byte is a NUL.
    const utf16 = path.join(scratch, 'utf16.csv')
    writeFileSync(utf16, Buffer.from('\ufeffLocation ID,Name\n', 'utf16le'))
    const notText = await refusal(['import', 'cqc', utf16, '--council', 'DEMO'])
    expect(notText.code).toBe(1)
    expect(notText.stderr).toContain('The file has a NUL byte at byte 4')
    expect(notText.stderr).not.toMatch(/\n\s+at /)

    // JSON can spell a NUL with an escape: PostgreSQL cannot store it, so that row is rejected.
    const escaped = path.join(scratch, 'escaped.json')
    const location = {
      locationId: '1-5999999001',
      providerId: '1-4999999001',
      name: 'Willow \u0000 House',
      postalAddressLine1: '7 Imaginary Avenue',
      postalCode: 'NR6 9ZH',
      registrationStatus: 'Registered',
      numberOfBeds: 10,
      gacServiceTypes: [{ name: 'Residential homes', description: 'Care home service without nursing' }],
    }
    writeFileSync(escaped, JSON.stringify([location]))
    const rows = await refusal([
      'import',
      'cqc',
      escaped,
      '--council',
      'DEMO',
      '--all-local-authorities',
      '--json',
    ])
    expect(rows.code, rows.stderr).toBe(0)
    expect(JSON.parse(rows.stdout)).toMatchObject({
      added: 0,
      rejected: [{ line: 1, reason: 'name must not contain a NUL character (U+0000)' }],
    })

    // A workbook that stops part-way (a download cut short) is refused in words, not a stack trace.
    const cut = path.join(scratch, 'cut.xlsx')
    const whole = path.join(scratch, 'whole.xlsx')
    const out = createWriteStream(whole)
    await writeHscaXlsx(demoCqcLocations({ scale: 1, seed: 3 }), out)
    const bytes = readFileSync(whole)
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)))
    const broken = await refusal(['import', 'cqc', cut, '--council', 'DEMO'])
    expect(broken.code).toBe(1)
    expect(broken.stderr).toContain('The Excel workbook could not be read: the file ends part-way')
    expect(broken.stderr).not.toMatch(/\n\s+at /)

    const missing = await refusal(['import', 'cqc', path.join(scratch, 'nope.csv'), '--council', 'DEMO'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('no such file')

    const both = await refusal([
      'import',
      'cqc',
      wrong,
      '--council',
      'DEMO',
      '--local-authority',
      'Norfolk',
      '--all-local-authorities',
    ])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('not both')

    const noCouncil = await refusal(['import', 'cqc', wrong, '--council', 'NOPE'])
    expect(noCouncil.code).toBe(1)
    expect(noCouncil.stderr).toContain('No council has the code NOPE')
  })

  it('loads centroids, and refuses a CSV without the expected headers', async () => {
    const small = path.join(scratch, 'centroids.csv')
    writeFileSync(small, 'postcode,latitude,longitude\nXY1 1AA,52.1,1.1\nXY1,52,1\nnope,1,1\n')
    const loaded = await run(['geo', 'import', small, '--json'])
    expect(loaded.code, loaded.stderr).toBe(0)
    expect(JSON.parse(loaded.stdout)).toEqual({
      postcodes: 1,
      outcodes: 1,
      rejected: [{ line: 4, reason: 'not a postcode or postcode district "nope"' }],
      rejectedCount: 1,
    })

    const wrong = path.join(scratch, 'wrong-centroids.csv')
    writeFileSync(wrong, 'code,x,y\nXY1,52,1\n')
    const bad = await run(['geo', 'import', wrong])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('postcode (or outcode, pcd, pcds), latitude (or lat) and longitude')
  })

  it.skipIf(!existsSync(OUTCODES_FILE))('loads the real UK district centroids', async () => {
    const loaded = await run(['geo', 'import', OUTCODES_FILE])
    expect(loaded.code, loaded.stderr).toBe(0)
    expect(loaded.stdout).toContain(
      'Loaded 0 postcode and 2,848 postcode district centroids from uk-outcodes.csv.',
    )
  })
})

/** How far a process has read a file it holds open (from Linux's /proc), or null if it has none open. */
function readPosition(pid: number, file: string): number | null {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== file) continue
      return Number(/^pos:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1])
    }
  } catch {
    // The process has ended, or closed the file while it was looked at.
  }
  return null
}

async function registerOf(db: Database, councilId: number) {
  return {
    locations: await db
      .select()
      .from(locations)
      .where(eq(locations.councilId, councilId))
      .orderBy(asc(locations.id)),
    providers: await db
      .select()
      .from(providerOrganisations)
      .where(eq(providerOrganisations.councilId, councilId))
      .orderBy(asc(providerOrganisations.id)),
  }
}

describe('an import whose process is killed part-way', () => {
  const serverUrl = process.env.TEST_DATABASE_URL
  it.skipIf(!existsSync('/proc/self/fdinfo'))(
    `is recorded as failed, and the register is as it was (${serverUrl ? 'PostgreSQL' : 'embedded database'})`,
    async () => {
      const server = serverUrl ? await createServerDatabase(serverUrl) : null
      const target: DatabaseTarget = server
        ? { kind: 'postgres', url: server.url }
        : { kind: 'pglite', dataDir: path.join(scratch, 'killed') }
      const childEnv = {
        ...env,
        ...(server
          ? { DATABASE_URL: server.url }
          : { CAREMARKET_DATA_DIR: target.kind === 'pglite' ? target.dataDir : '' }),
      }
      let database: DatabaseHandle | null = await openDatabase(target)
      try {
        await database.migrate()
        const system = { kind: 'system', label: 'test' } as const
        const council = await createCouncil(
          database.db,
          { code: 'KILL', name: 'Norfolk County Council' },
          system,
        )
        await importCqcFile(database.db, {
          councilId: council.id,
          input: createReadStream(path.join(fixtures, 'hsca-active-locations.csv')),
          fileName: 'hsca-active-locations.csv',
          full: false,
          actor: system,
        })
        const before = await registerOf(database.db, council.id)
        expect(before.locations).toHaveLength(3)
        // The embedded database is the importing process's alone while it runs.
        if (!server) {
          await database.close()
          database = null
        }

        // Every row of it new, and the rest of the register missing from it: a commit of any part would show.
        const big = path.join(scratch, 'killed.csv')
        await writeDemoCqcFile(createWriteStream(big), { scale: 10, seed: 9 })
        const size = statSync(big).size
        const child = spawn(
          process.execPath,
          [
            caremarketBin,
            'import',
            'cqc',
            big,
            '--council',
            'KILL',
            '--all-local-authorities',
            '--full',
            '--json',
          ],
          { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] },
        )
        let stderr = ''
        child.stderr?.on('data', (d) => {
          stderr += d
        })
        const exited = once(child, 'exit')
        // On PostgreSQL other processes see a running import's progress, written beside its heartbeat.
        const progressShown = async () => {
          if (!database) return true
          const [running] = await listCqcImports(database.db, council.id, { limit: 1 })
          return running?.fileName === 'killed.csv' && running.bytesRead > 0
        }
        for (;;) {
          if (child.exitCode !== null) throw new Error(`the import ended before it was killed: ${stderr}`)
          if ((readPosition(child.pid as number, big) ?? 0) >= size / 4 && (await progressShown())) break
          await sleep(10)
        }
        child.kill('SIGKILL')
        await exited

        // Started again at once: the embedded database's lock is not left to go stale.
        database ??= await openDatabase(target)
        const [stranded] = await listCqcImports(database.db, council.id, { limit: 1 })
        expect(stranded).toMatchObject({ fileName: 'killed.csv', status: 'running', error: null })
        // On PostgreSQL the owner is gone once it has missed its heartbeats; here that is not waited for.
        expect(await failAbandonedImports(database.db, { ownerGoneAfterMs: 0 })).toEqual([
          { id: stranded?.id, councilId: council.id },
        ])
        expect(await getCqcImport(database.db, council.id, stranded?.id as number)).toMatchObject({
          status: 'failed',
          error: ABANDONED_IMPORT_ERROR,
          finishedAt: expect.any(Date),
        })
        expect(await registerOf(database.db, council.id)).toEqual(before)
      } finally {
        await database?.close()
        await server?.drop()
      }
    },
  )
})
