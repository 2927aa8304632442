import { Command, CommanderError } from 'commander'
import { ConfigError } from '../config.ts'
import { DataDirectoryInUseError } from '../db/connection.ts'
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts'
import { serializeError } from '../logging.ts'
import { CqcApiError } from '../providers/cqc/api-client.ts'
import { ChromiumMissingError } from '../shared/pdf.ts'
import { registerAllocateCommand } from './allocate.ts'
import { type CliContext, CliUsageError, createCliContext } from './context.ts'
import { registerDemoCommand } from './demo.ts'
import { registerFailureCommands } from './failure.ts'
import { registerFeesCommands } from './fees.ts'
import { registerGeoCommands } from './geo.ts'
import { registerIclCommand } from './icl.ts'
import { registerImportCommands } from './import.ts'
import { registerMigrateCommand } from './migrate.ts'
import { registerNotificationCommands } from './notifications.ts'
import { registerReportCommands } from './report.ts'
import { registerServeCommand } from './serve.ts'
import { registerSimulateCommand } from './simulate.ts'
import { registerTeamCommands } from './teams.ts'
import { registerTokenCommands } from './tokens.ts'
import { registerUserCommands } from './users.ts'

export function buildProgram(context: CliContext = createCliContext()): Command {
  const program = new Command('caremarket')
    .description('Caremarket: eBrokerage and care-market software for councils’ adult social services')
    .showHelpAfterError()
    .exitOverride()
  registerServeCommand(program, context)
  registerMigrateCommand(program, context)
  registerUserCommands(program, context)
  registerDemoCommand(program, context)
  registerTokenCommands(program, context)
  registerTeamCommands(program, context)
  registerNotificationCommands(program, context)
  registerImportCommands(program, context)
  registerGeoCommands(program, context)
  registerSimulateCommand(program, context)
  registerIclCommand(program, context)
  registerAllocateCommand(program, context)
  registerFailureCommands(program, context)
  registerReportCommands(program, context)
  registerFeesCommands(program, context)
  for (const command of program.commands) command.exitOverride()
  return program
}

/** Runs the CLI and returns the process exit code. Known failures print one clear line, never a stack. */
export async function runCli(argv: string[], context: CliContext = createCliContext()): Promise<number> {
  try {
    await buildProgram(context).parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode
    if (error instanceof CliUsageError || error instanceof ConfigError) {
      process.stderr.write(`caremarket: ${error.message}\n`)
      return 2
    }
    if (
      error instanceof ValidationError ||
      error instanceof NotFoundError ||
      error instanceof ConflictError ||
      error instanceof DataDirectoryInUseError ||
      error instanceof ChromiumMissingError ||
      error instanceof CqcApiError
    ) {
      process.stderr.write(`caremarket: ${error.message}\n`)
      return 1
    }
    // Written as a log line would be: a failed query's parameters stay out of it.
    process.stderr.write(`caremarket: unexpected error: ${serializeError(error).stack ?? String(error)}\n`)
    return 1
  }
}
