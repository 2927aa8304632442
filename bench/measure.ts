// Timing and memory sampling shared by the benchmarks.
import { percentile as sharedPercentile } from '../src/shared/statistics.ts'

const MB = 1024 * 1024

/** Samples the resident set size every 50 ms and remembers the peak since the last reset. */
export class RssSampler {
  private peak = 0
  private readonly timer: NodeJS.Timeout

  constructor(intervalMs = 50) {
    this.sample()
    this.timer = setInterval(() => this.sample(), intervalMs)
    this.timer.unref()
  }

  private sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().rss)
  }

  /** Starts a new measuring period from the current RSS. */
  reset(): void {
    this.peak = 0
    this.sample()
  }

  /** The highest RSS seen since the last reset, in MB. */
  peakMb(): number {
    this.sample()
    return round(this.peak / MB)
  }

  stop(): void {
    clearInterval(this.timer)
  }
}

export interface PhaseResult {
  rows: number
  seconds: number
  rowsPerSecond: number
  /** RSS when the phase started: for PGlite, the embedded database is already in it. */
  startRssMb: number
  /** Peak RSS sampled every 50 ms during the phase. */
  peakRssMb: number
  /** The process's peak RSS since it started, as the kernel counts it. */
  processMaxRssMb: number
}

/** Runs one timed phase over `rows` rows, measuring its peak memory. */
export async function phase<T>(
  sampler: RssSampler,
  rows: number,
  work: () => Promise<T>,
): Promise<PhaseResult & { value: T }> {
  sampler.reset()
  const startRssMb = round(process.memoryUsage().rss / MB)
  const started = performance.now()
  const value = await work()
  const seconds = (performance.now() - started) / 1000
  return {
    rows,
    seconds: round(seconds, 3),
    rowsPerSecond: Math.round(rows / seconds),
    startRssMb,
    peakRssMb: sampler.peakMb(),
    processMaxRssMb: round(process.resourceUsage().maxRSS / 1024),
    value,
  }
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** The p-th percentile (0 to 100) of timings; NaN when there are none, so a report shows the gap. */
export function percentile(values: number[], p: number): number {
  return sharedPercentile(values, p) ?? Number.NaN
}

export interface Timing {
  samples: number
  p50: number
  p95: number
  p99: number
  mean: number
  max: number
}

/** The spread of a set of timings in ms, rounded to `digits` decimal places. */
export function timing(values: number[], digits = 1): Timing {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    samples: sorted.length,
    p50: round(percentile(sorted, 50), digits),
    p95: round(percentile(sorted, 95), digits),
    p99: round(percentile(sorted, 99), digits),
    mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length), digits),
    max: round(sorted.at(-1) ?? Number.NaN, digits),
  }
}
