// Adding many users at once from a CSV file (or a workbook's first sheet): every row is checked first, and either every user is
// added (each sent an invitation) or none is, with the rejected rows reported by line and reason.
import { and, eq, inArray, isNull } from 'drizzle-orm'
import { type Actor, recordAudit } from '../../audit/service.ts'
import type { Database } from '../../db/connection.ts'
import { type FieldError, ValidationError } from '../../errors.ts'
import { headerKey, readTable } from '../../spreadsheets/rows.ts'
import { users } from '../schema.ts'
import { type AccountsOptions, insertUser, newUserSchema } from '../service.ts'

export const USER_CSV_COLUMNS = ['email', 'role', 'cqc_provider_id'] as const
export const MAX_USER_CSV_ROWS = 1_000

function fileProblem(message: string): ValidationError {
  return new ValidationError([{ field: 'file', message }])
}

interface CsvRow {
  line: number
  email: string
  role: string
  cqcProviderId: string
}

/** The file's rows, each with its line; problems with the file as a whole throw. */
async function readUsersFile(content: Buffer | string): Promise<CsvRow[]> {
  const { header, body, more } = await readTable(content, MAX_USER_CSV_ROWS)
  // "E-mail", "Email" and "EMAIL" are one title, as are "CQC provider ID" and "cqc_provider_id".
  const titleKey = (title: string) => headerKey(title).replaceAll(' ', '')
  const columns = header?.map(titleKey) ?? []
  const known = USER_CSV_COLUMNS.map(titleKey)
  if (!columns.includes('email') || !columns.includes('role') || columns.some((c) => !known.includes(c)))
    throw fileProblem(
      `The first line must name the columns email,role and, for provider users, cqc_provider_id. This file has: ${header?.join(',').slice(0, 200) || 'nothing'}`,
    )
  if (body.length === 0) throw fileProblem('The file has a header but no users')
  if (more)
    throw fileProblem(
      `The file has more than ${MAX_USER_CSV_ROWS} users; add ${MAX_USER_CSV_ROWS} or fewer at a time`,
    )
  return body.map(({ cells, line }) => {
    const value = (name: string) => cells[columns.indexOf(titleKey(name))] ?? ''
    return { line, email: value('email'), role: value('role'), cqcProviderId: value('cqc_provider_id') }
  })
}

/** Adds every user of the file, each invited by email, or none of them. */
export async function importUsers(
  db: Database,
  councilId: number,
  content: Buffer | string,
  actor: Actor,
  options: Pick<AccountsOptions, 'findOrganisation'> & { linkBase: string },
): Promise<{ added: { id: number; email: string; role: string }[] }> {
  const rows = await readUsersFile(content)
  const rejected: FieldError[] = []
  const reject = (row: CsvRow, message: string) =>
    rejected.push({ field: `line-${row.line}`, message: `Line ${row.line}: ${message}` })
  const checked: { row: CsvRow; value: ReturnType<typeof newUserSchema.parse> }[] = []
  const seen = new Map<string, number>()
  for (const row of rows) {
    const result = newUserSchema.safeParse({
      email: row.email,
      role: row.role,
      cqcProviderId: row.cqcProviderId || undefined,
    })
    if (!result.success) {
      reject(row, result.error.issues.map((issue) => issue.message).join('; '))
      continue
    }
    const earlier = seen.get(result.data.email)
    if (earlier !== undefined) {
      reject(row, `${result.data.email} is also on line ${earlier}`)
      continue
    }
    seen.set(result.data.email, row.line)
    checked.push({ row, value: result.data })
  }
  // Each provider user's organisation is found before the transaction (see providerOrganisationOf).
  const organisations = new Map<string, number | null>()
  for (const { value } of checked)
    if (value.cqcProviderId && !organisations.has(value.cqcProviderId))
      organisations.set(
        value.cqcProviderId,
        (await options.findOrganisation?.(councilId, value.cqcProviderId))?.id ?? null,
      )
  return db.transaction(async (tx) => {
    const emails = checked.map((c) => c.value.email)
    const existing = new Set(
      emails.length === 0
        ? []
        : (
            await tx
              .select({ email: users.email })
              .from(users)
              .where(
                and(eq(users.councilId, councilId), inArray(users.email, emails), isNull(users.removedAt)),
              )
          ).map((r) => r.email),
    )
    for (const { row, value } of checked) {
      if (existing.has(value.email))
        reject(row, `A user with the email address ${value.email} already exists in this council`)
      else if (value.cqcProviderId && organisations.get(value.cqcProviderId) === null)
        reject(
          row,
          `No provider with the CQC provider ID or council organisation ID ${value.cqcProviderId} in this council`,
        )
    }
    if (rejected.length > 0) {
      rejected.sort((a, b) => Number(a.field.slice(5)) - Number(b.field.slice(5)))
      throw new ValidationError(rejected)
    }
    const added = []
    for (const { value } of checked) {
      const providerOrganisationId = value.cqcProviderId
        ? (organisations.get(value.cqcProviderId) ?? null)
        : null
      const user = await insertUser(tx, councilId, { ...value, providerOrganisationId }, null, actor, {
        linkBase: options.linkBase,
      })
      added.push({ id: user.id, email: user.email, role: user.role })
    }
    // Each user's creation is audited by insertUser; this says they came in together, from one file.
    await recordAudit(tx, actor, {
      councilId,
      action: 'users.imported',
      entityType: 'council',
      entityId: councilId,
      details: { count: added.length, emails: added.map((a) => a.email) },
    })
    return { added }
  })
}
