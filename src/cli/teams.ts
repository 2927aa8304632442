import type { Command } from 'commander'
import { type CliContext, parseInteger, printJson } from './context.ts'

const cli = { kind: 'system', label: 'cli' } as const

export function registerTeamCommands(program: Command, context: CliContext): void {
  const team = program
    .command('team')
    .description('Manage teams: a social worker sees the requests of their teams and their own')

  team
    .command('add')
    .description('Create a team in a council')
    .requiredOption('--council <code>', 'the council code, e.g. DEMO')
    .requiredOption('--name <name>', 'the team’s name, e.g. "Hospital discharge team"')
    .option('--json', 'print the result as JSON')
    .action(async (options: { council: string; name: string; json?: boolean }) => {
      await context.withServices(async ({ accounts, teams }) => {
        const council = await accounts.getCouncilByCode(options.council)
        const created = await teams.createTeam(council.id, { name: options.name }, cli)
        if (options.json) printJson({ ...created, council: council.code })
        else process.stdout.write(`Team ${created.id} "${created.name}" created in ${council.code}.\n`)
      })
    })

  team
    .command('list')
    .description('List a council’s teams and their members')
    .requiredOption('--council <code>', 'the council code')
    .option('--json', 'print the result as JSON')
    .action(async (options: { council: string; json?: boolean }) => {
      await context.withServices(async ({ accounts, teams }) => {
        const council = await accounts.getCouncilByCode(options.council)
        const found = await teams.listTeams(council.id)
        if (options.json) {
          printJson({ council: council.code, teams: found })
          return
        }
        if (found.length === 0) process.stdout.write(`${council.code} has no teams.\n`)
        for (const t of found)
          process.stdout.write(
            `${t.id}\t${t.name}\t${t.members.map((m) => m.email).join(', ') || '(nobody)'}\n`,
          )
      })
    })

  team
    .command('add-member')
    .description('Put a member of staff in a team')
    .requiredOption('--council <code>', 'the council code')
    .requiredOption('--team <id>', 'the team ID (see team list)', parseInteger('--team', 1, 2 ** 31 - 1))
    .requiredOption('--email <email>', 'the email address of the person')
    .option('--json', 'print the result as JSON')
    .action(async (options: { council: string; team: number; email: string; json?: boolean }) => {
      await context.withServices(async ({ accounts, teams }) => {
        const council = await accounts.getCouncilByCode(options.council)
        const member = await teams.addTeamMember(council.id, options.team, { email: options.email }, cli)
        if (options.json) printJson({ team: options.team, ...member })
        else process.stdout.write(`${member.email} is in team ${options.team}.\n`)
      })
    })
}
