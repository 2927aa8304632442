import type { Command } from 'commander'
import { DEFAULT_ROTATION_GRACE_HOURS, DEFAULT_TOKEN_DAYS } from '../accounts/api-tokens.ts'
import { isRole, ROLES } from '../accounts/roles.ts'
import { ValidationError } from '../errors.ts'
import { type CliContext, CliUsageError, parseInteger, printJson } from './context.ts'

const cli = { kind: 'system', label: 'cli' } as const

export function registerTokenCommands(program: Command, context: CliContext): void {
  const token = program.command('token').description('Manage API tokens for council and provider systems')

  token
    .command('create')
    .description(
      'Create an API token; the secret is printed once. With --user it acts as that person; with --role it is a system’s',
    )
    .requiredOption('--council <code>', 'the council code, e.g. DEMO')
    .option(
      '--user <email>',
      'the person the token acts as, with their role and teams, while they are active',
    )
    .option('--role <role>', `for a system's token, the role it acts as: one of ${ROLES.join(', ')}`)
    .option(
      '--provider <cqc-provider-id>',
      'for a provider_user token: the CQC provider ID of the organisation',
    )
    .option(
      '--on-behalf-of',
      'let this system token act for a named person of the council (X-On-Behalf-Of: <email>)',
    )
    .option(
      '--expires-in-days <n>',
      `how long the token works (default ${DEFAULT_TOKEN_DAYS})`,
      parseInteger('--expires-in-days', 1, 730),
    )
    .option('--name <name>', 'what will use the token', 'command line')
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        council: string
        user?: string
        role?: string
        provider?: string
        onBehalfOf?: boolean
        expiresInDays?: number
        name: string
        json?: boolean
      }) => {
        if (options.user && options.role)
          throw new CliUsageError(
            'Give --user (the token acts as that person) or --role (a system’s token), not both',
          )
        if (!options.user && !options.role)
          throw new CliUsageError('Give --user <email> for a person’s token or --role <role> for a system’s')
        if (options.user && options.onBehalfOf)
          throw new CliUsageError(
            '--on-behalf-of is for a system’s token (--role); a person’s token acts as them alone',
          )
        if (options.role !== undefined && !isRole(options.role))
          throw new CliUsageError(`--role must be one of ${ROLES.join(', ')}, not "${options.role}"`)
        const role = options.role !== undefined && isRole(options.role) ? options.role : null
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
              userEmail: options.user ?? null,
              role,
              providerOrganisationId,
              mayActOnBehalf: options.onBehalfOf ?? false,
              expiresInDays: options.expiresInDays,
              createdByUserId: null,
            },
            cli,
          )
          const actsAs = options.user ? { user: options.user.trim().toLowerCase() } : { role }
          const result = {
            id: created.id,
            token: created.token,
            council: council.code,
            ...actsAs,
            onBehalfOf: options.onBehalfOf ?? false,
            expiresAt: created.expiresAt.toISOString(),
          }
          if (options.json) printJson(result)
          else
            process.stdout.write(
              `Token ${created.id} for ${council.code} as ${options.user ?? role}, until ${result.expiresAt} (shown once):\n${created.token}\n`,
            )
        })
      },
    )

  token
    .command('rotate')
    .description('Give an API token a new secret; the old one keeps working for the grace period')
    .requiredOption('--council <code>', 'the council code')
    .requiredOption('--id <n>', 'the token ID', parseInteger('--id', 1, 2 ** 31 - 1))
    .option(
      '--grace-hours <n>',
      `how long the old secret keeps working (default ${DEFAULT_ROTATION_GRACE_HOURS})`,
      parseInteger('--grace-hours', 0, 720),
    )
    .option(
      '--expires-in-days <n>',
      `how long the new secret works (default ${DEFAULT_TOKEN_DAYS})`,
      parseInteger('--expires-in-days', 1, 730),
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        council: string
        id: number
        graceHours?: number
        expiresInDays?: number
        json?: boolean
      }) => {
        await context.withServices(async ({ accounts }) => {
          const council = await accounts.getCouncilByCode(options.council)
          const rotated = await accounts.rotateCouncilApiToken(council.id, options.id, cli, {
            graceHours: options.graceHours,
            expiresInDays: options.expiresInDays,
          })
          const result = {
            id: rotated.id,
            token: rotated.token,
            expiresAt: rotated.expiresAt.toISOString(),
            previousExpiresAt: rotated.previousExpiresAt.toISOString(),
          }
          if (options.json) printJson(result)
          else
            process.stdout.write(
              `Token ${rotated.id} has a new secret until ${result.expiresAt}; the old one works until ${result.previousExpiresAt} (shown once):\n${rotated.token}\n`,
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
