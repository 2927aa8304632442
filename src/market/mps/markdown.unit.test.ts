import { describe, expect, it } from 'vitest'
import { renderNarrative } from './markdown.ts'

describe('narrative Markdown', () => {
  it('never passes a script or raw HTML through', () => {
    const html = renderNarrative('Hello <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>')
    expect(html).not.toContain('<script')
    expect(html).not.toContain('<img')
    expect(html).toContain('&lt;script&gt;')
  })

  it('keeps links, styled the GOV.UK way, and refuses javascript: links', () => {
    const html = renderNarrative(
      'See [the tender](https://example.org/tender) and [this](javascript:alert(1)).',
    )
    expect(html).toContain(
      '<a href="https://example.org/tender" class="govuk-link" rel="noopener noreferrer">the tender</a>',
    )
    expect(html).not.toContain('href="javascript:')
  })

  it('turns lists, paragraphs and headings into GOV.UK markup under the section heading', () => {
    const html = renderNarrative('# Demand\n\nMore care at home.\n\n- one\n- two')
    expect(html).toContain('<h3 class="govuk-heading-s">Demand</h3>')
    expect(html).toContain('<p class="govuk-body">More care at home.</p>')
    expect(html).toContain('<ul class="govuk-list govuk-list--bullet">')
    expect(renderNarrative('## Supply\n\n### Rural areas')).toMatch(
      /<h3[^>]*>Supply<\/h3>\s*<h4[^>]*>Rural areas<\/h4>/,
    )
  })

  it('shows no images', () => {
    expect(renderNarrative('![x](https://example.org/a.png)')).not.toContain('<img')
  })
})
