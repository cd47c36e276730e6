import type { Command } from 'commander';
import { InternalError } from '../../errors/paiwo-error.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('what the ledger says: counts per status, credits, unresolved jobs; contacts no service')
    .argument('<out>', 'output folder holding ledger.json')
    .option('--json', 'print one JSON document on stdout')
    .action(async () => {
      throw new InternalError('status: not wired yet');
    });
}
