// The placement summary (individual service agreement) of a package: what the council and the
// provider agreed, for whom, from when, at what price, and who to contact. One body serves the
// page (printable, with print CSS) and a standalone document printed to a tagged PDF.

import type { FastifyReply } from 'fastify'
import nunjucks from 'nunjucks'
import { formatLondonDate } from '../../shared/dates.ts'
import { formatPounds } from '../../shared/money.ts'
import { ChromiumMissingError, htmlToPdf } from '../../shared/pdf.ts'
import { formatted, govukFrontendDir, sourceDir } from '../../web/views.ts'
import { SHARING_CONSENT_LABELS } from '../requests/input.ts'
import { durationText } from '../rules/hours.ts'
import type { ProviderPackageDetail } from './packages.ts'

/** What the agreement's templates are given. */
export function agreementContext(pkg: ProviderPackageDetail, councilName: string) {
  return {
    pkg,
    councilName,
    weeklyCost: formatPounds(pkg.weeklyCostPence),
    hoursAWeek: pkg.minutesPerWeek === null ? null : durationText(pkg.minutesPerWeek),
    withheldLabels: pkg.person.contacts.withheld.map((w) => SHARING_CONSENT_LABELS[w]),
  }
}

// Its own environment, as the committee report has: the PDF is rendered outside any request.
const environment = new nunjucks.Environment(new nunjucks.FileSystemLoader([govukFrontendDir, sourceDir]), {
  autoescape: true,
})
environment.addFilter('londonDate', (value: Date | string | null | undefined) =>
  formatted(formatLondonDate, value),
)

/** The agreement as one standalone HTML document: its own CSS, nothing fetched, no scripts. */
function agreementHtml(pkg: ProviderPackageDetail, councilName: string): string {
  return environment
    .render('brokerage/offers/views/agreement-document.njk', agreementContext(pkg, councilName))
    .trimStart()
}

/** Answers with the agreement as a tagged A4 PDF to download. */
export async function sendAgreementPdf(
  reply: FastifyReply,
  pkg: ProviderPackageDetail,
  councilName: string,
): Promise<FastifyReply> {
  let pdf: Buffer
  try {
    pdf = await htmlToPdf(agreementHtml(pkg, councilName))
  } catch (error) {
    // The page prints from the browser as well: say so rather than fail.
    if (error instanceof ChromiumMissingError)
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The PDF cannot be made on this server. Print the agreement page from your browser instead.')
    throw error
  }
  return reply
    .header('content-type', 'application/pdf')
    .header('content-disposition', `attachment; filename="package-${pkg.id}-service-agreement.pdf"`)
    .header('cache-control', 'no-store')
    .send(pdf)
}
