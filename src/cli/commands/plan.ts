import type { Command } from 'commander';
import { planCommand, type PlanCommandOptions } from '../../commands/plan.js';
import { parsePositiveInt, parseShard, processIO } from '../io.js';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('list the jobs the manifests expand to and what they would cost; sends nothing')
    .argument('<paths...>', 'manifest files or globs')
    .option('--json', 'print one JSON document on stdout')
    .option('--max-jobs <n>', 'refuse plans larger than this (default: the manifest\'s max_jobs, else 1000)', parsePositiveInt)
    .option('--shard <k/n>', 'only the k-th of n stable partitions of the jobs (by id)', parseShard)
    .action(async (paths: string[], options: PlanCommandOptions) => {
      process.exitCode = await planCommand(paths, options, processIO());
    });
}
