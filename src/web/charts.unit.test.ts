import type { TopLevelSpec } from 'vega-lite'
import { describe, expect, it } from 'vitest'
import { ChartError, chartMarkup, renderChart } from './charts.ts'

const localities = [
  { locality: 'Broadland & <Breckland>', percent: 12.5 },
  { locality: 'Norwich', percent: 4 },
  { locality: 'Waveney', percent: 7.25 },
]

function barChart(values: { locality: string; percent: number | null }[]): TopLevelSpec {
  return {
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'locality', type: 'nominal', sort: null },
      x: { field: 'percent', type: 'quantitative' },
    },
  }
}

const options = { id: 'beds', title: 'Beds <available> & "free"', describedBy: 'beds-caption' }
/** Each bar is one <path> inside Vega's rect mark group. */
const bars = (svg: string) =>
  /<g class="mark-rect[^"]*">(.*?)<\/g>/.exec(svg)?.[1]?.match(/<path /g)?.length ?? 0

describe('renderChart', () => {
  it('draws one bar per figure and names every category, escaped', async () => {
    const svg = await renderChart(barChart(localities), options)
    expect(svg.startsWith('<svg ')).toBe(true)
    expect(bars(svg)).toBe(localities.length)
    expect(svg).toContain('>Broadland &amp; &lt;Breckland&gt;</text>')
    expect(svg).toContain('>Norwich</text>')
    expect(svg).toContain('>Waveney</text>')
    expect(svg).not.toContain('<Breckland>')
  })

  it('is one image named by its title and described by the caption of its table', async () => {
    const svg = await renderChart(barChart(localities), options)
    const root = svg.slice(0, svg.indexOf('>') + 1)
    expect(root).toContain('role="img"')
    expect(root).toContain('aria-labelledby="beds-title"')
    expect(root).toContain('aria-describedby="beds-caption"')
    expect(svg).toContain('<title id="beds-title">Beds &lt;available&gt; &amp; &quot;free&quot;</title>')
    // Vega's own roles inside the image would be read out beside the table.
    expect(svg.match(/ role="/g)).toHaveLength(1)
    expect(svg).not.toMatch(/ aria-roledescription=| style=/)
  })

  it('uses the GOV.UK palette and font stack', async () => {
    const svg = await renderChart(barChart(localities), options)
    expect(svg).toContain('fill="#1d70b8"')
    expect(svg).toContain('font-family="&quot;GDS Transport&quot;, arial, sans-serif"')
  })

  it('draws what it is given each time: a drawing is reused only for the very same spec and options', async () => {
    const fewer = await renderChart(barChart(localities.slice(1)), options)
    const all = await renderChart(barChart(localities), options)
    expect(bars(fewer)).toBe(localities.length - 1)
    expect(bars(all)).toBe(localities.length)
    const changed = localities.map((l, i) => (i === 0 ? { ...l, locality: 'Dereham' } : l))
    expect(await renderChart(barChart(changed), options)).toContain('>Dereham</text>')
    expect(await renderChart(barChart(localities), { ...options, id: 'beds-again' })).toContain(
      'aria-labelledby="beds-again-title"',
    )
    expect(await renderChart(barChart(localities), options)).toBe(all)
  })

  it('keeps a category without a figure on the axis, with no bar', async () => {
    const svg = await renderChart(barChart([...localities, { locality: 'Unknown', percent: null }]), options)
    expect(bars(svg)).toBe(localities.length)
    expect(svg).toContain('>Unknown</text>')
  })

  it('throws a ChartError that names the chart for a spec it cannot draw', async () => {
    const badType = {
      data: { values: localities },
      mark: 'bar',
      encoding: { x: { field: 'percent', type: 'amount' } },
    } as unknown as TopLevelSpec
    await expect(renderChart(badType, options)).rejects.toThrow(ChartError)
    await expect(renderChart(badType, options)).rejects.toThrow(
      /Invalid chart "Beds <available>.*Invalid field type/,
    )
    await expect(renderChart({ mark: 'pie' } as unknown as TopLevelSpec, options)).rejects.toThrow(ChartError)
  })

  it('refuses data from a URL, so drawing a chart never touches the network', async () => {
    const remote: TopLevelSpec = { ...barChart([]), data: { url: 'https://example.org/beds.csv' } }
    await expect(renderChart(remote, options)).rejects.toThrow(/data must be inline/)
  })

  it('refuses ids that would break out of an attribute', async () => {
    await expect(
      renderChart(barChart(localities), { ...options, id: 'x" onload="alert(1)' }),
    ).rejects.toThrow(ChartError)
  })

  it('gives the SVG to templates as markup, described by the chart macro’s caption', async () => {
    const markup = await chartMarkup(barChart(localities), { id: 'beds', title: 'Beds' })
    expect(String(markup)).toContain('aria-describedby="beds-caption"')
    expect(markup.toString()).toMatch(/^<svg /)
  })
})
