import type { Command } from 'commander';
import { processIO } from '../io.js';
import { mergeCommand } from '../../commands/merge.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('combine shard outputs into one ledger and one report, refusing conflicting records')
    .argument('<dirs...>', 'shard output folders')
    .requiredOption('--into <out>', 'the merged output folder')
    .action(async (dirs: string[], options: { into: string }) => {
      process.exitCode = await mergeCommand(dirs, { into: options.into }, processIO());
    });
}
