import { runCli } from './cli/index.ts'

const exitCode = await runCli(process.argv.slice(2))
// `serve` keeps running until a signal; every other command ends here.
if (exitCode !== 0 || process.argv[2] !== 'serve') process.exitCode = exitCode
