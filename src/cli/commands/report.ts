import type { Command } from 'commander';
import { InternalError } from '../../errors/paiwo-error.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write report.html, a gallery of the videos along the manifest\'s axes, beside the ledger')
    .argument('<out>', 'output folder holding ledger.json')
    .action(async () => {
      throw new InternalError('report: not wired yet');
    });
}
