// Commissioners' narrative is Markdown. Raw HTML is never passed through (html: false escapes it),
// markdown-it refuses javascript:, vbscript: and data: links, and images are turned off, so the
// published page only ever holds text, lists, headings and links styled the GOV.UK way.
import MarkdownIt from 'markdown-it'

const markdown = new MarkdownIt('commonmark', { html: false, linkify: false, typographer: false }).disable([
  'image',
])

const CLASSES: Record<string, string> = {
  paragraph_open: 'govuk-body',
  bullet_list_open: 'govuk-list govuk-list--bullet',
  ordered_list_open: 'govuk-list govuk-list--number',
  link_open: 'govuk-link',
  blockquote_open: 'govuk-inset-text',
}

markdown.core.ruler.push('govuk_classes', (state) => {
  const walk = (tokens: typeof state.tokens) => {
    for (const token of tokens) {
      const className = CLASSES[token.type]
      if (className) token.attrJoin('class', className)
      if (token.type === 'heading_open' || token.type === 'heading_close') {
        // Each narrative sits under its section's h2: "#" and "##" both become h3, deeper ones follow.
        const level = Math.min(Math.max(Number(token.tag.slice(1)) + 1, 3), 6)
        token.tag = `h${level}`
        if (token.type === 'heading_open')
          token.attrJoin('class', level === 3 ? 'govuk-heading-s' : 'govuk-body govuk-!-font-weight-bold')
      }
      if (token.type === 'link_open') token.attrSet('rel', 'noopener noreferrer')
      if (token.children) walk(token.children)
    }
  }
  walk(state.tokens)
})

/** Safe HTML for a narrative written in Markdown. */
export function renderNarrative(text: string): string {
  return markdown.render(text)
}
