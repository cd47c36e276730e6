import type { Command } from 'commander';
import { processIO } from '../io.js';
import { reportCommand } from '../../commands/report.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write report.html, a gallery of the videos along the manifest\'s axes, beside the ledger')
    .argument('<out>', 'output folder holding ledger.json')
    .action(async (out: string) => {
      process.exitCode = await reportCommand(out, processIO());
    });
}
