// Benchmarks: `npm run bench` runs them all, `npm run bench -- import` one of them. Each prints
// one JSON summary on stdout; progress goes to stderr.

import { runAllocateBenchmark } from './allocate.ts'
import { runBrokerageBenchmark } from './brokerage.ts'
import { runImportBenchmark } from './import.ts'
import { runMarketBenchmark } from './market.ts'
import { runSearchBenchmark } from './search.ts'

const BENCHMARKS: Record<string, () => Promise<unknown>> = {
  import: runImportBenchmark,
  brokerage: runBrokerageBenchmark,
  market: runMarketBenchmark,
  search: runSearchBenchmark,
  allocate: runAllocateBenchmark,
}

const wanted = process.argv.slice(2)
const unknown = wanted.filter((name) => !(name in BENCHMARKS))
if (unknown.length > 0) {
  process.stderr.write(
    `bench: unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}\n`,
  )
  process.exit(2)
}
const results: Record<string, unknown> = {}
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHMARKS)) {
  results[name] = await (BENCHMARKS[name] as () => Promise<unknown>)()
}
const names = Object.keys(results)
process.stdout.write(
  `${JSON.stringify(names.length === 1 ? results[names[0] as string] : results, null, 2)}\n`,
)
