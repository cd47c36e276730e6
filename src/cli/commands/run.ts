import v8 from 'node:v8';
import { Option, type Command } from 'commander';
import { EXIT } from '../../errors/exit-codes.js';
import { RESTORE_TERMINAL } from '../../display/progress-display.js';
import { LOG_LEVELS, parseJobTimeout, parseRate, parseNonNegativeInt, parsePositiveInt, parsePositiveNumber, parseRetries, parseShard, parseTimeScale, processIO } from '../io.js';
import { DEFAULT_BASE_URL, DEFAULT_TIME_SCALE, RUN_LOG, runCommand, SIMULATOR_TIME_SCALE, type RunCommandOptions } from '../../commands/run.js';
import { runSchema } from '../../manifest/manifest-schema.js';
import { DEFAULT_LOG_LEVEL } from '../../util/logger.js';

/** Where a run writes and logs, and what it needs: said after the flags of `run --help`. */
const RUN_HELP_AFTER = `
API key: read from the environment only (export DMXAPI_API_KEY=sk-...);
  --simulator needs none.
Output: output/<manifest name>/ (or the manifest's run.out, or --out). A
  rehearsal (--simulator) writes output/<manifest name>.rehearsal/ instead, so
  it never mixes with a real run's ledger, videos or credits.
Logs: the full JSON log goes to ${RUN_LOG} in the output folder. On a terminal
  you see the live progress line; outside one (CI, pipes) stderr gets the plain
  "progress:" lines, the log's warnings and the summary. --log-file - puts the
  whole log on stderr, and so does --log-level outside a terminal.
`;

/** The manifest's `run:` defaults as its schema fills them in: the help text quotes them, never a copy. */
const RUN_DEFAULTS = runSchema.parse({});

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('submit, poll and download every job (needs DMXAPI_API_KEY in the environment); resumes from the ledger instead of paying again')
    .argument('<paths...>', 'manifest files or globs')
    .option('--base-url <url>', `API base URL (env DMXAPI_BASE_URL; default ${DEFAULT_BASE_URL})`)
    .option('--simulator', 'rehearse against the built-in simulator started in-process (no key needed, no credits spent), into output/<name>.rehearsal/')
    .option('--out <dir>', 'output folder, used as given (default: the manifest\'s run.out, else output/<manifest name>/; a rehearsal adds .rehearsal to that default)')
    .option('--concurrency <n>', `generations in flight at once (default: the manifest's run.concurrency, else ${RUN_DEFAULTS.concurrency})`, parsePositiveInt)
    .option('--requests-per-second <n>', 'limit on all API calls together', parsePositiveNumber)
    .option('--max-credits <n>', 'budget: never submit a job that would take the credits spent past this', parseNonNegativeInt)
    .option('--job-timeout <seconds>', `give up polling a job after this long (it stays "submitted" for the next run; default: the manifest's run.job_timeout, else ${RUN_DEFAULTS.job_timeout})`, parseJobTimeout)
    .option('--retries <n>', `retries of a transient failure per call, 0 to 100 (default: the manifest's run.retries, else ${RUN_DEFAULTS.retries})`, parseRetries)
    .option('--time-scale <x>', `multiply every client-side delay, above 0 and at most 100 (for rehearsals against a sped-up simulator; default ${DEFAULT_TIME_SCALE}, ${SIMULATOR_TIME_SCALE} with --simulator)`, parseTimeScale)
    .option('--max-jobs <n>', 'refuse plans larger than this', parsePositiveInt)
    .option('--shard <k/n>', 'only the k-th of n stable partitions of the jobs (by id)', parseShard)
    .option('--retry-failed', 'run failed jobs again (they are paid again)')
    .option('--resubmit-unknown', 'resubmit jobs whose earlier submit had an unknown outcome (risks paying twice)')
    .option('--outage-wait <seconds>', `how long to wait for an unreachable service (probing with free calls) before stopping with exit 6 (default: the manifest's run.outage_wait, else ${RUN_DEFAULTS.outage_wait})`, parseJobTimeout)
    .option('--no-failure-breaker', 'never stop submitting because most recently finished jobs failed')
    .option('--breaker-min-finished <n>', `jobs finished before the failure-rate breaker may trip (default ${RUN_DEFAULTS.failure_breaker.min_finished})`, parsePositiveInt)
    .option('--breaker-window <n>', `recently finished jobs the breaker looks at (default ${RUN_DEFAULTS.failure_breaker.window})`, parsePositiveInt)
    .option('--breaker-rate <x>', `share of those that failed that stops submitting, above 0 and at most 1 (default ${RUN_DEFAULTS.failure_breaker.rate})`, parseRate)
    .option('--json', 'print a machine-readable summary on stdout at the end')
    .option('--no-progress', 'no live progress display, even on a terminal')
    .option('--log-file <file>', `write the pino JSON log here instead of <out>/${RUN_LOG}; "-" writes it to stderr`)
    .addOption(new Option('--log-level <level>', `pino log level (default ${DEFAULT_LOG_LEVEL}); outside a terminal and without --log-file, giving it puts the log on stderr at that level instead of in ${RUN_LOG}`).choices(LOG_LEVELS))
    .addHelpText('after', RUN_HELP_AFTER)
    .action(async (paths: string[], options: RunCommandOptions) => {
      // A run keeps thousands of jobs in flight whose promises, timers and answers outlive a young-generation GC,
      // so V8 promoted them and grew the old generation to ~4× the live heap: a 100,000-job run passed 1 GB of RSS
      // with ~200 MB live. Sized for memory (smaller semi-spaces, a lower growing factor) the same run stays near
      // 250 MB until its report. Only for `run`: `status` and `report` are short and parse big ledgers faster
      // with the default heap. Set before the run allocates anything big.
      v8.setFlagsFromString('--optimize-for-size');
      const io = processIO();
      const interrupt = new AbortController();
      let signals = 0;
      const onSignal = (name: NodeJS.Signals) => {
        if (++signals === 1) {
          // runCommand says "<name>: stopping …" (through the live display, so it stays clean).
          interrupt.abort(name);
          return;
        }
        // Everything recorded is already fsync'd in the journal; the next run replays it. A terminal gets its
        // cursor back and no half-drawn progress line.
        if (io.isTTY) io.stderr.write(`${RESTORE_TERMINAL}\n`);
        process.exit(EXIT.interrupted);
      };
      // SIGHUP (the terminal closed, an ssh session dropped) is a stop like SIGTERM, not a kill.
      const stopSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
      for (const name of stopSignals) process.on(name, onSignal);
      try {
        process.exitCode = await runCommand(paths, { ...options, signal: interrupt.signal }, io);
      } finally {
        for (const name of stopSignals) process.off(name, onSignal);
      }
    });
}
