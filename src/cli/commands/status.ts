import type { Command } from 'commander';
import { processIO } from '../io.js';
import { statusCommand } from '../../commands/status.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('what the ledger says: counts per status, credits, unresolved jobs; contacts no service; exits with the code a rerun would end with (0, 4, 5, 6)')
    .argument('<out>', 'output folder holding ledger.json')
    .option('--json', 'print one JSON document on stdout')
    .action(async (out: string, options: { json?: boolean }) => {
      process.exitCode = await statusCommand(out, { json: options.json === true }, processIO());
    });
}
