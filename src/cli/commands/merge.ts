import type { Command } from 'commander';
import { InternalError } from '../../errors/paiwo-error.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('combine shard outputs into one ledger and one report, refusing conflicting records')
    .argument('<dirs...>', 'shard output folders')
    .requiredOption('--into <out>', 'the merged output folder')
    .action(async () => {
      throw new InternalError('merge: not wired yet');
    });
}
