import type { Command } from 'commander';
import { parseNonNegativeInt, processIO } from '../io.js';
import { reviewCommand } from '../../commands/review.js';

export function registerReview(program: Command): void {
  program
    .command('review')
    .description('serve report.html on 127.0.0.1 to mark takes (favourite, reject, note) into picks.json; prints the URL first, runs until stopped')
    .argument('<out>', 'output folder holding ledger.json')
    .option('--port <n>', 'port to listen on (0 = any free port)', parseNonNegativeInt, 0)
    .option('--open', 'open the page in the default browser')
    .action(async (out: string, opts: { port: number; open?: boolean }) => {
      process.exitCode = await reviewCommand(out, { port: opts.port, open: opts.open === true }, processIO());
    });
}
