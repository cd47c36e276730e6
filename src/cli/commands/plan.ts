import type { Command } from 'commander';
import { planCommand, type PlanCommandOptions } from '../../commands/plan.js';
import { parsePositiveInt, parseShard, parseTimeScale, processIO } from '../io.js';
import { SIMULATOR_TIME_SCALE } from '../../commands/run.js';
import { DEFAULT_MAX_JOBS } from '../../manifest/manifest-schema.js';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('list the jobs the manifests expand to, which are already done in the output folder, what the rest would cost and about how long they take; sends nothing')
    .argument('<paths...>', 'manifest files or globs')
    .option('--json', 'print one JSON document on stdout')
    .option('--max-jobs <n>', `refuse plans larger than this (default: the manifest's max_jobs, else ${DEFAULT_MAX_JOBS})`, parsePositiveInt)
    .option('--shard <k/n>', 'only the k-th of n stable partitions of the jobs (by id)', parseShard)
    .option('--out <dir>', 'the output folder to compare with (as run --out); default: each manifest\'s run.out, else output/<name>/')
    .option('--retry-failed', 'count failed jobs as to run, as run --retry-failed would')
    .option('--resubmit-unknown', 'count unknown jobs as to run, as run --resubmit-unknown would')
    .option('--simulator', 'plan a rehearsal: read output/<name>.rehearsal/ (as run --simulator writes it) and estimate its time, rendering included')
    .option('--concurrency <n>', 'estimate the time at this concurrency, as run --concurrency (default: each manifest\'s run.concurrency)', parsePositiveInt)
    .option('--time-scale <x>', `with --simulator: the rehearsal's time-scale, as run --time-scale (default ${SIMULATOR_TIME_SCALE})`, parseTimeScale)
    .action(async (paths: string[], options: PlanCommandOptions) => {
      process.exitCode = await planCommand(paths, options, processIO());
    });
}
