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

export function registerAllocateCommand(program: Command, context: CliContext): void {
  program
    .command('allocate')
    .description(
      'Propose who goes where for a council’s open requests: the optimiser’s allocation beside the greedy one',
    )
    .requiredOption('--council <code>', 'the council’s code, e.g. DEMO')
    .option('--requests <ids>', 'only these requests, by ID, separated by commas', parseIds)
    .option('--json', 'print the result as JSON')
    .action(async (options: { council: string; requests?: number[]; json?: boolean }) => {
      const proposal = await context.withServices(async ({ accounts, allocation }) => {
        const council = await accounts.getCouncilByCode(options.council.trim().toUpperCase())
        return allocation.proposeAllocation(council.id, { requestIds: options.requests })
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
