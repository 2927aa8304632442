import type { Command } from 'commander'
import { proposalJson } from '../brokerage/allocation/service.ts'
import { type CliContext, CliUsageError, printJson } from './context.ts'

function parseIds(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim())
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || !Number.isSafeInteger(Number(p)))) {
    throw new CliUsageError(
      `--requests must be request IDs separated by commas, like 12,15,31, not "${value}"`,
    )
  }
  return [...new Set(parts.map(Number))]
}

function parseEvent(value: string): number {
  if (!/^\d{1,9}$/.test(value.trim()) || Number(value) < 1)
    throw new CliUsageError(`--event must be a market event's number, not "${value}"`)
  return Number(value)
}

export function registerAllocateCommand(program: Command, context: CliContext): void {
  program
    .command('allocate')
    .description(
      'Propose who goes where for a council’s open requests: the optimiser’s allocation beside the greedy one',
    )
    .requiredOption('--council <code>', 'the council’s code, e.g. DEMO')
    .option('--requests <ids>', 'only these requests, by ID, separated by commas', parseIds)
    .option(
      '--event <number>',
      'only the re-sourcing requests of the response to this market event (a closure, say)',
      parseEvent,
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { council: string; requests?: number[]; event?: number; json?: boolean }) => {
      if (options.requests && options.event !== undefined)
        throw new CliUsageError('Give either --requests or --event, not both')
      const proposal = await context.withServices(async ({ accounts, allocation, failures }) => {
        const council = await accounts.getCouncilByCode(options.council.trim().toUpperCase())
        const requestIds =
          options.event === undefined
            ? options.requests
            : await failures.resourcingRequestsOfEvent(council.id, options.event)
        return allocation.proposeAllocation(council.id, { requestIds })
      })
      const json = proposalJson(proposal)
      if (options.json) {
        printJson(json)
        return
      }
      const lines = [
        `${json.requests} requests to place`,
        `  optimal (${json.optimal.status}): ${json.optimal.peoplePlaced} people, ${json.optimal.hoursPlaced} hours a week, objective ${json.optimal.objective}`,
        `  greedy: ${json.greedy.peoplePlaced} people, ${json.greedy.hoursPlaced} hours a week, objective ${json.greedy.objective}`,
        ...(json.optimal.note ? [`  ${json.optimal.note}`] : []),
        ...proposal.people.map((p) => `  ${p.requestId}\t${p.why}`),
        ...json.skipped.map((s) => `  ${s.requestId}\tskipped: ${s.reason}`),
      ]
      process.stdout.write(`${lines.join('\n')}\n`)
    })
}
