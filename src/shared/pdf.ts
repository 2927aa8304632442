import { existsSync } from 'node:fs'

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium'

/** Printing needs a Chromium on this machine; the message says how to get one. */
export class ChromiumMissingError extends Error {}

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH?.trim() || DEFAULT_CHROMIUM_PATH
}

/**
 * Prints a standalone HTML document to an A4 PDF with headless Chromium. The PDF is tagged (its
 * headings, lists and tables carry their structure, /StructTreeRoot and /MarkInfo), so screen
 * readers read it as they read the page: the Public Sector Bodies Accessibility Regulations cover
 * documents a council publishes.
 */
export async function htmlToPdf(html: string, executablePath = chromiumPath()): Promise<Buffer> {
  if (!existsSync(executablePath))
    throw new ChromiumMissingError(
      `Chromium was not found at ${executablePath}, so the PDF cannot be printed. ` +
        'Install it with `apt-get install -y chromium`, or set CHROMIUM_PATH to its executable.',
    )
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  })
  try {
    const page = await browser.newPage()
    // The document fetches nothing, so it is ready once set.
    await page.setContent(html, { waitUntil: 'load' })
    return await page.pdf({
      format: 'A4',
      printBackground: true,
      tagged: true,
      outline: true,
      margin: { top: '18mm', bottom: '18mm', left: '16mm', right: '16mm' },
    })
  } finally {
    await browser.close()
  }
}
