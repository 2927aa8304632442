import nunjucks from 'nunjucks'
import { type Loader, type LoggerInterface, loader, parse, View } from 'vega'
import { type Config, compile, type TopLevelSpec } from 'vega-lite'

/** GOV.UK Frontend's palette and font stack, so charts match the pages around them. */
const GOVUK_COLOURS = {
  blue: '#1d70b8',
  darkBlue: '#0f385c',
  black: '#0b0c0c',
  secondaryText: '#484949',
  midGrey: '#cecece',
  white: '#ffffff',
} as const
const GOVUK_FONT = '"GDS Transport", arial, sans-serif'

const GOVUK_CONFIG: Config = {
  // The page gives the chart its name and its table; Vega's own ARIA would be read out twice.
  aria: false,
  background: GOVUK_COLOURS.white,
  font: GOVUK_FONT,
  padding: 10,
  view: { stroke: null },
  // A category without a figure keeps its place on the axis, with no mark, as "No data" in the table.
  mark: { color: GOVUK_COLOURS.blue, invalid: 'break-paths-show-domains' },
  bar: { color: GOVUK_COLOURS.blue },
  range: {
    category: [GOVUK_COLOURS.blue, GOVUK_COLOURS.darkBlue, '#158187', '#54319f', '#ca357c', '#99704a'],
  },
  axis: {
    labelColor: GOVUK_COLOURS.black,
    labelFontSize: 14,
    labelLimit: 320,
    titleColor: GOVUK_COLOURS.black,
    titleFontSize: 16,
    titleFontWeight: 'bold',
    domainColor: GOVUK_COLOURS.secondaryText,
    tickColor: GOVUK_COLOURS.secondaryText,
    gridColor: GOVUK_COLOURS.midGrey,
  },
  legend: {
    labelColor: GOVUK_COLOURS.black,
    labelFontSize: 14,
    titleColor: GOVUK_COLOURS.black,
    titleFontSize: 16,
  },
  text: { color: GOVUK_COLOURS.black, fontSize: 14 },
  title: { color: GOVUK_COLOURS.black, fontSize: 19 },
}

export class ChartError extends Error {
  override name = 'ChartError'
}

export interface ChartOptions {
  /** Unique on the page: prefixes every id inside the SVG. */
  id: string
  /** The chart's accessible name, read out instead of its marks. */
  title: string
  /** The id of what describes the chart: the caption that leads to the table of the same figures. */
  describedBy: string
}

// Charts draw only the data their spec carries: no URL, file or font is ever fetched.
const offline: Loader = loader()
offline.load =
  offline.sanitize =
  offline.http =
  offline.file =
    async (uri: string) => {
      throw new ChartError(`Charts take their data inline, not from ${uri}`)
    }

/** A logger that keeps what Vega and Vega-Lite complain about, so a bad spec fails loudly. */
function collectingLogger(problems: string[], level: 'warn' | 'error'): LoggerInterface {
  const keep = (...args: unknown[]) => {
    problems.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '))
  }
  const logger: LoggerInterface = {
    level: () => logger,
    error(...args) {
      keep(...args)
      return this
    },
    warn(...args) {
      if (level === 'warn') keep(...args)
      return this
    },
    info() {
      return this
    },
    debug() {
      return this
    },
  }
  return logger
}

const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`)

const ID = /^[A-Za-z][\w-]*$/

/**
 * A Vega-Lite spec drawn as an SVG string on the server, with GOV.UK colours and type. The SVG is
 * one image to assistive technology (role="img", a <title>), described by the element that leads to
 * the table of the same figures. Throws a ChartError for a spec Vega-Lite or Vega complains about.
 */
export async function renderChart(spec: TopLevelSpec, options: ChartOptions): Promise<string> {
  // Drawing is a pure function of the spec and options, and costs 15–30 ms a chart: a dashboard
  // shown again with the same figures reuses its drawings. The figures themselves are always read live.
  const key = JSON.stringify([spec, options])
  const drawn = drawings.get(key)
  if (drawn !== undefined) {
    drawings.delete(key)
    drawings.set(key, drawn)
    return drawn
  }
  const svg = await drawChart(spec, options)
  drawings.set(key, svg)
  if (drawings.size > MAX_DRAWINGS) drawings.delete(drawings.keys().next().value as string)
  return svg
}

/** The drawings last made, least recently used first. */
const drawings = new Map<string, string>()
const MAX_DRAWINGS = 200

async function drawChart(spec: TopLevelSpec, options: ChartOptions): Promise<string> {
  if (!ID.test(options.id) || !ID.test(options.describedBy))
    throw new ChartError('A chart id and the id it is described by must be plain HTML ids')
  const problems: string[] = []
  let vegaSpec: ReturnType<typeof compile>['spec']
  try {
    // Warnings count: Vega-Lite warns, then draws something other than what the spec asked for.
    vegaSpec = compile(spec, { config: GOVUK_CONFIG, logger: collectingLogger(problems, 'warn') }).spec
  } catch (error) {
    throw new ChartError(`Invalid chart "${options.title}": ${(error as Error).message}`, { cause: error })
  }
  if (problems.length > 0) throw new ChartError(`Invalid chart "${options.title}": ${problems.join('; ')}`)
  const remote = vegaSpec.data?.find((d) => 'url' in d)
  if (remote) throw new ChartError(`Invalid chart "${options.title}": data must be inline, not from a URL`)

  const view = new View(parse(vegaSpec), {
    renderer: 'none',
    loader: offline,
    // Warnings here are about the data (an empty chart has an infinite extent), not the spec.
    logger: collectingLogger(problems, 'error'),
  })
  try {
    await view.runAsync()
    const svg = await view.toSVG()
    if (problems.length > 0) throw new ChartError(`Chart "${options.title}" failed: ${problems.join('; ')}`)
    return accessibleSvg(svg, options)
  } finally {
    view.finalize()
  }
}

/**
 * The chart for the appChart macro (src/web/views/partials/chart.njk): described by the macro's
 * caption, and marked safe here, once drawn, so a template never has to mark anything safe.
 */
export async function chartMarkup(spec: TopLevelSpec, options: Omit<ChartOptions, 'describedBy'>) {
  return new nunjucks.runtime.SafeString(
    await renderChart(spec, { ...options, describedBy: `${options.id}-caption` }),
  )
}

/**
 * Makes the SVG one named image: Vega's roles on inner groups go, ids get the chart's prefix so two
 * charts on a page cannot clash. Only tags are rewritten; Vega has already escaped every label.
 */
function accessibleSvg(svg: string, { id, title, describedBy }: ChartOptions): string {
  const titleId = `${id}-title`
  const body = svg.replace(/<[^>]+>/g, (tag) =>
    tag
      .replace(/ (role|aria-[a-z]+)="[^"]*"/g, '')
      .replace(/ id="([^"]*)"/g, ` id="${id}-$1"`)
      .replace(/url\(#([^)]*)\)/g, `url(#${id}-$1)`),
  )
  const open = body.indexOf('>') + 1
  const root = body
    .slice(0, open)
    .replace(
      '<svg ',
      `<svg id="${id}" role="img" aria-labelledby="${titleId}" aria-describedby="${describedBy}" `,
    )
  return `${root}<title id="${titleId}">${escapeXml(title)}</title>${body.slice(open)}`
}
