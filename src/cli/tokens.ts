import type { Command } from 'commander'
import { isRole, ROLES } from '../accounts/roles.ts'
import { ValidationError } from '../errors.ts'
import { type CliContext, CliUsageError, parseInteger, printJson } from './context.ts'

const cli = { kind: 'system', label: 'cli' } as const

export function registerTokenCommands(program: Command, context: CliContext): void {
  const token = program.command('token').description('Manage API tokens for council and provider systems')

  token
    .command('create')
    .description('Create an API token; the secret is printed once')
    .requiredOption('--council <code>', 'the council code, e.g. DEMO')
    .requiredOption('--role <role>', `the role the token acts as: one of ${ROLES.join(', ')}`)
    .option(
      '--provider <cqc-provider-id>',
      'for a provider_user token: the CQC provider ID of the organisation',
    )
    .option('--name <name>', 'what will use the token', 'command line')
    .option('--json', 'print the result as JSON')
    .action(
      async (options: { council: string; role: string; provider?: string; name: string; json?: boolean }) => {
        if (!isRole(options.role))
          throw new CliUsageError(`--role must be one of ${ROLES.join(', ')}, not "${options.role}"`)
        const role = options.role
        await context.withServices(async ({ accounts, register }) => {
          const council = await accounts.getCouncilByCode(options.council)
          let providerOrganisationId: number | null = null
          if (options.provider) {
            const organisation = await register.findOrganisationByCqcId(council.id, options.provider)
            if (!organisation) {
              throw new ValidationError([
                {
                  field: 'provider',
                  message: `No provider with CQC provider ID ${options.provider} in ${council.code}`,
                },
              ])
            }
            providerOrganisationId = organisation.id
          }
          const created = await accounts.issueApiToken(
            {
              councilId: council.id,
              name: options.name,
              role,
              providerOrganisationId,
              createdByUserId: null,
            },
            cli,
          )
          const result = { id: created.id, token: created.token, council: council.code, role }
          if (options.json) printJson(result)
          else
            process.stdout.write(
              `Token ${created.id} for ${council.code} as ${role} (shown once):\n${created.token}\n`,
            )
        })
      },
    )

  token
    .command('revoke')
    .description('Revoke an API token')
    .requiredOption('--council <code>', 'the council code')
    .requiredOption('--id <n>', 'the token ID', parseInteger('--id', 1, 2 ** 31 - 1))
    .option('--json', 'print the result as JSON')
    .action(async (options: { council: string; id: number; json?: boolean }) => {
      await context.withServices(async ({ accounts }) => {
        const council = await accounts.getCouncilByCode(options.council)
        await accounts.revokeCouncilApiToken(council.id, options.id, cli)
        if (options.json) printJson({ id: options.id, revoked: true })
        else process.stdout.write(`Token ${options.id} revoked.\n`)
      })
    })
}
