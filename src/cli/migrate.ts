import type { Command } from 'commander'
import { type CliContext, printJson } from './context.ts'

export function registerMigrateCommand(program: Command, context: CliContext): void {
  program
    .command('migrate')
    .description('Apply database migrations and exit')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const description = await context.withDatabase(async (database) => database.description)
      if (options.json) printJson({ migrated: true, database: description })
      else process.stdout.write(`Migrations applied to ${description}.\n`)
    })
}
