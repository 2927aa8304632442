import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { passwordLinkBase } from '../accounts/passwords/links.ts'
import { ROLES } from '../accounts/roles.ts'
import type { CouncilUser } from '../accounts/users/service.ts'
import type { Services } from '../services.ts'
import { type CliContext, CliUsageError, parseInteger, printJson } from './context.ts'

const cli = { kind: 'system', label: 'cli' } as const

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new CliUsageError(
      '--password-stdin expects the password on standard input, e.g. echo "$PW" | caremarket user add ...',
    )
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  // One trailing newline is how shells deliver a line; it is not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

function describeUser(user: CouncilUser): string {
  const lastSignIn = user.lastSignInAt ? user.lastSignInAt.toISOString() : 'never signed in'
  return `${user.email}\t${user.role}\t${user.status}\t${lastSignIn}`
}

function userJson(user: CouncilUser, council: string) {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    status: user.status,
    twoFactorEnabled: user.twoFactorEnabled,
    council,
    createdAt: user.createdAt.toISOString(),
    lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
  }
}

interface Target {
  council: string
  email: string
  json?: boolean
}

export function registerUserCommands(program: Command, context: CliContext): void {
  const user = program.command('user').description('Manage user accounts')
  const linkBase = () => passwordLinkBase(context.config())

  /** A command about one user, named by council and email address. */
  const onUser = (name: string, description: string) =>
    user
      .command(name)
      .description(description)
      .requiredOption('--council <code>', 'the council code, e.g. DEMO')
      .requiredOption('--email <email>', 'the email address of the user')
      .option('--json', 'print the result as JSON')

  const withUser = async <T>(
    options: Target,
    work: (accounts: Services['accounts'], councilId: number, user: CouncilUser) => Promise<T>,
  ) =>
    context.withServices(async ({ accounts }) => {
      const council = await accounts.getCouncilByCode(options.council)
      const found = await accounts.findCouncilUserByEmail(council.id, options.email)
      return { council, result: await work(accounts, council.id, found) }
    })

  user
    .command('add')
    .description(
      'Add a user to a council; they are emailed an invitation to set their password (or give one with --password-stdin, to bring up the first administrator)',
    )
    .requiredOption('--council <code>', 'the council code, e.g. DEMO')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .requiredOption('--email <email>', 'the email address the user signs in with')
    .option('--provider <cqc-provider-id>', 'for a provider_user: the CQC provider ID of their organisation')
    .option('--password-stdin', 'read the password from standard input instead of sending an invitation')
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        council: string
        role: string
        email: string
        provider?: string
        passwordStdin?: boolean
        json?: boolean
      }) => {
        const password = options.passwordStdin ? await readStdin() : undefined
        await context.withServices(async ({ accounts }) => {
          const council = await accounts.getCouncilByCode(options.council)
          const created = await accounts.addUser(
            council.id,
            { email: options.email, role: options.role as never, password, cqcProviderId: options.provider },
            cli,
            { passwordCostLog2: context.config().passwordCostLog2, linkBase: linkBase() },
          )
          const result = {
            id: created.id,
            email: created.email,
            role: created.role,
            council: council.code,
            invited: created.invited,
          }
          if (options.json) printJson(result)
          else
            process.stdout.write(
              `Added ${result.email} as ${result.role} in ${council.name} (${council.code})${created.invited ? '; an invitation to set their password is in the outbox' : ''}.\n`,
            )
        })
      },
    )

  user
    .command('list')
    .description('List the users of a council (removed users are never listed)')
    .requiredOption('--council <code>', 'the council code, e.g. DEMO')
    .option('--team <name>', 'only the members of this team')
    .option('--role <role>', `only this role: one of ${ROLES.join(', ')}`)
    .option('--status <status>', 'only users who are active, invited or disabled')
    .option(
      '--signed-in-within <days>',
      'only users who signed in within this many days',
      parseInteger('--signed-in-within', 1, 3660),
    )
    .option(
      '--not-signed-in-for <days>',
      'only users who have not signed in for this many days (or ever)',
      parseInteger('--not-signed-in-for', 1, 3660),
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        council: string
        team?: string
        role?: string
        status?: string
        signedInWithin?: number
        notSignedInFor?: number
        json?: boolean
      }) => {
        await context.withServices(async ({ accounts, teams }) => {
          const council = await accounts.getCouncilByCode(options.council)
          const wanted = options.team?.trim().toLowerCase()
          const team =
            wanted === undefined
              ? undefined
              : (await teams.listTeams(council.id)).find((t) => t.name.toLowerCase() === wanted)
          if (wanted !== undefined && !team)
            throw new CliUsageError(`no team called "${options.team}" in ${council.code}`)
          const users = await accounts.listCouncilUsers(council.id, {
            teamId: team?.id,
            role: options.role,
            status: options.status,
            signedInWithinDays: options.signedInWithin,
            notSignedInForDays: options.notSignedInFor,
          })
          if (options.json) printJson({ users: users.map((u) => userJson(u, council.code)) })
          else process.stdout.write(users.map((u) => `${describeUser(u)}\n`).join(''))
        })
      },
    )

  const report = (options: Target, json: object, text: string) => {
    if (options.json) printJson(json)
    else process.stdout.write(`${text}\n`)
  }

  onUser(
    'disable',
    'Disable a user: their sessions end and the API tokens they made are revoked at once',
  ).action(async (options: Target) => {
    const { council, result } = await withUser(options, (accounts, councilId, found) =>
      accounts.disableUser(councilId, found.id, cli),
    )
    report(options, userJson(result, council.code), `${result.email} is disabled.`)
  })

  onUser('enable', 'Enable a disabled user').action(async (options: Target) => {
    const { council, result } = await withUser(options, (accounts, councilId, found) =>
      accounts.enableUser(councilId, found.id, cli),
    )
    report(options, userJson(result, council.code), `${result.email} is enabled.`)
  })

  onUser('set-role', 'Give a council user another council role; their sessions end')
    .requiredOption('--role <role>', 'the new role: social_worker, broker, commissioner or council_admin')
    .action(async (options: Target & { role: string }) => {
      const { council, result } = await withUser(options, (accounts, councilId, found) =>
        accounts.changeUserRole(councilId, found.id, { role: options.role }, cli),
      )
      report(options, userJson(result, council.code), `${result.email} is now ${result.role}.`)
    })

  onUser('set-email', 'Change the email address a user signs in with')
    .requiredOption('--new-email <email>', 'the new address')
    .action(async (options: Target & { newEmail: string }) => {
      const { council, result } = await withUser(options, (accounts, councilId, found) =>
        accounts.changeUserEmail(councilId, found.id, { email: options.newEmail }, cli),
      )
      report(options, userJson(result, council.code), `${options.email} now signs in as ${result.email}.`)
    })

  onUser(
    'remove',
    'Remove a user: they cannot sign in and leave every list; the audit log keeps their name',
  ).action(async (options: Target) => {
    const { council, result } = await withUser(options, (accounts, councilId, found) =>
      accounts.removeUser(councilId, found.id, cli),
    )
    report(options, { ...result, council: council.code, removed: true }, `${result.email} is removed.`)
  })

  onUser(
    'reset-password',
    'Email the user a link to set a new password (an invitation again if they never set one); nobody else sees the password',
  ).action(async (options: Target) => {
    const { council, result } = await withUser(options, (accounts, councilId, found) =>
      accounts.sendPasswordLink(councilId, found.id, cli, { linkBase: linkBase() }),
    )
    report(
      options,
      { email: result.email, council: council.code, sent: result.purpose },
      `A ${result.purpose === 'invitation' ? 'new invitation' : 'password reset link'} for ${result.email} is in the outbox.`,
    )
  })

  onUser(
    'reset-two-factor',
    'Reset the two-factor authentication of a user who lost their authenticator app: it is cleared and their sessions end; they set it up again at next sign-in if it is required',
  ).action(async (options: Target) => {
    const { council, result } = await withUser(options, (accounts, councilId, found) =>
      accounts.resetUserTwoFactor(councilId, found.id, cli),
    )
    report(
      options,
      userJson(result, council.code),
      `${result.email}'s two-factor authentication is reset and their sessions have ended.`,
    )
  })

  user
    .command('import')
    .description(
      'Add the users of a CSV file (email,role,cqc_provider_id), each invited by email: all of them or none',
    )
    .requiredOption('--council <code>', 'the council code, e.g. DEMO')
    .requiredOption('--file <path>', 'the CSV file')
    .option('--json', 'print the result as JSON')
    .action(async (options: { council: string; file: string; json?: boolean }) => {
      const content = await readFile(options.file).catch((error: NodeJS.ErrnoException) => {
        throw new CliUsageError(`Cannot read ${options.file}: ${error.code ?? error.message}`)
      })
      await context.withServices(async ({ accounts }) => {
        const council = await accounts.getCouncilByCode(options.council)
        const { added } = await accounts.importUsers(council.id, content, cli, { linkBase: linkBase() })
        if (options.json) printJson({ council: council.code, added })
        else
          process.stdout.write(
            `Added ${added.length} users to ${council.code}; each has an invitation in the outbox.\n`,
          )
      })
    })
}
