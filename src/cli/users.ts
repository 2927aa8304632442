import type { Command } from 'commander'
import { ROLES } from '../accounts/roles.ts'
import { type CliContext, CliUsageError, printJson } from './context.ts'

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

export function registerUserCommands(program: Command, context: CliContext): void {
  const user = program.command('user').description('Manage user accounts')

  user
    .command('add')
    .description('Add a user to a council')
    .requiredOption('--council <code>', 'the council code, e.g. DEMO')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .requiredOption('--email <email>', 'the email address the user signs in with')
    .option('--provider <cqc-provider-id>', 'for a provider_user: the CQC provider ID of their organisation')
    .requiredOption('--password-stdin', 'read the password from standard input')
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        council: string
        role: string
        email: string
        provider?: string
        json?: boolean
      }) => {
        const password = await readStdin()
        await context.withServices(async ({ accounts }) => {
          const council = await accounts.getCouncilByCode(options.council)
          const created = await accounts.addUser(
            council.id,
            { email: options.email, role: options.role as never, password, cqcProviderId: options.provider },
            { kind: 'system', label: 'cli' },
            { passwordCostLog2: context.config().passwordCostLog2 },
          )
          const result = { id: created.id, email: created.email, role: created.role, council: council.code }
          if (options.json) printJson(result)
          else
            process.stdout.write(
              `Added ${result.email} as ${result.role} in ${council.name} (${council.code}).\n`,
            )
        })
      },
    )
}
