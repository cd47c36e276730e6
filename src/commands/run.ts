import { randomInt } from 'node:crypto';
import { isAbsolute, join, relative } from 'node:path';
import type { CommandIO } from './command-io.js';
import type { Shard } from '../manifest/types.js';
import { UserError } from '../errors/paiwo-error.js';
import { formatDiagnostic } from '../errors/manifest-error.js';
import { appendStepSummary } from '../display/step-summary.js';
import { type RunOverrides } from '../plan-folders.js';
import { runBatch, type Rehearsal } from '../run-batch.js';
import { EXIT } from '../errors/exit-codes.js';
import { outcomeError } from '../errors/run-outcome.js';
import { outcomeOf, type RunSummary } from '../scheduler/run-summary.js';
import { startLineProgress, startTtyProgress, type ProgressDisplay } from '../display/progress-display.js';
import { formatRunSummary } from '../display/format-summary.js';
import { terminalColumns, wrapText } from '../display/wrap.js';
import { startSimulator, type Simulator } from '../simulator/start-simulator.js';
import { createLogger, DEFAULT_LOG_LEVEL, type Logger, type LoggerOptions } from '../util/logger.js';
import { printable, printableJson } from '../util/printable.js';
import { addSecret } from '../util/redact.js';
import { creditsWord } from '../util/format-number.js';

export const DEFAULT_BASE_URL = 'https://www.dmxapi.cn';
/** A real run's time-scale: every delay as the service needs it. */
export const DEFAULT_TIME_SCALE = 1;
/** --simulator without --time-scale: a 25 s generation takes 0.5 s, for simulator and client alike. */
export const SIMULATOR_TIME_SCALE = 0.02;
/** The built-in simulator accepts any key; this one is not a secret. */
const SIMULATOR_KEY = 'sk-paiwo-batch-simulator';

/** The `run` flags as commander parses them (seconds where the manifest has seconds). */
export interface RunCommandOptions {
  readonly baseUrl?: string;
  readonly simulator?: boolean;
  readonly out?: string;
  readonly concurrency?: number;
  readonly requestsPerSecond?: number;
  readonly maxCredits?: number;
  /** Seconds. */
  readonly jobTimeout?: number;
  readonly retries?: number;
  readonly timeScale?: number;
  readonly maxJobs?: number;
  readonly shard?: Shard;
  readonly retryFailed?: boolean;
  readonly resubmitUnknown?: boolean;
  /** Seconds (`run.outage_wait`). */
  readonly outageWait?: number;
  /** `--no-failure-breaker` makes it false. */
  readonly failureBreaker?: boolean;
  readonly breakerMinFinished?: number;
  readonly breakerWindow?: number;
  readonly breakerRate?: number;
  readonly json?: boolean;
  /** `--no-progress` makes it false. @default true */
  readonly progress?: boolean;
  readonly logFile?: string;
  /** @default DEFAULT_LOG_LEVEL */
  readonly logLevel?: string;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** Aborted = Ctrl+C / SIGTERM. */
  readonly signal?: AbortSignal;
}

/**
 * `paiwo-batch run`: runs the batch and prints its summary. Returns 0 when every job succeeded; otherwise throws
 * the run's outcome as its error (3, 4, 5, 6, 130; errors/run-outcome.ts), marked as already reported. Throws a
 * PaiwoError for usage and manifest errors (exit 2, nothing sent) and for internal failures (exit 1).
 */
export async function runCommand(patterns: readonly string[], options: RunCommandOptions, io: CommandIO): Promise<number> {
  const apiKey = apiKeyOf(options, io);
  const timeScale = options.timeScale ?? (options.simulator ? SIMULATOR_TIME_SCALE : DEFAULT_TIME_SCALE);
  const live = io.isTTY && options.progress !== false;
  const cwd = options.cwd ?? process.cwd();
  let display: ProgressDisplay | null = null;
  // Said once, through the live display when there is one, so the message does not tear it.
  const onInterrupt = () => {
    const text = `${typeof options.signal?.reason === 'string' ? options.signal.reason : 'interrupted'}: stopping — no new submits; saving what is in flight. Press Ctrl+C again to exit at once.`;
    if (display) display.notice(text);
    else io.stderr.write(`\n${text}\n`);
  };
  options.signal?.addEventListener('abort', onInterrupt, { once: true });
  const rehearsal = options.simulator ? rehearsalService(timeScale, cwd, io) : null;
  const credits = creditsWord(rehearsal !== null);
  try {
    const summary = await runBatch({
      patterns,
      cwd,
      ...(rehearsal ? { simulator: rehearsal.start } : { baseUrl: options.baseUrl ?? io.env.DMXAPI_BASE_URL ?? DEFAULT_BASE_URL }),
      apiKey,
      timeScale,
      overrides: overridesOf(options),
      ...(options.maxJobs !== undefined && { maxJobs: options.maxJobs }),
      ...(options.shard && { shard: options.shard }),
      retryFailed: options.retryFailed ?? false,
      resubmitUnknown: options.resubmitUnknown ?? false,
      logger: loggerFor(options, io, live),
      ...(options.signal && { signal: options.signal }),
      ...(options.progress !== false && {
        progress: (read) => (display = live ? startTtyProgress(io.stderr, read, credits) : startLineProgress(io.stderr, read, undefined, credits)),
      }),
      onWarnings: (warnings) => io.stderr.write(`${warnings.map(formatDiagnostic).join('\n')}\n`),
    });
    await printSummary(summary, options, io);
    const error = outcomeError(outcomeOf(summary));
    if (error) throw error;
    return EXIT.ok;
  } finally {
    options.signal?.removeEventListener('abort', onInterrupt);
    await rehearsal?.close();
  }
}

/** The key the run sends: the simulator's own with --simulator, else DMXAPI_API_KEY, redacted from every output. */
function apiKeyOf(options: RunCommandOptions, io: CommandIO): string {
  if (options.simulator && options.baseUrl !== undefined) {
    throw new UserError('USAGE', '--simulator and --base-url exclude each other: the simulator has its own URL');
  }
  if (options.simulator) return SIMULATOR_KEY; // not a secret
  const apiKey = io.env.DMXAPI_API_KEY?.trim();
  if (!apiKey) {
    throw new UserError('API_KEY_MISSING', 'DMXAPI_API_KEY is not set. Export your DMXAPI key (it is read only from the environment), or add --simulator to rehearse without one.');
  }
  addSecret(apiKey);
  return apiKey;
}

/** The flags that override the manifests' `run:` blocks (manifest seconds become milliseconds). */
function overridesOf(options: RunCommandOptions): RunOverrides {
  return {
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    ...(options.requestsPerSecond !== undefined && { requestsPerSecond: options.requestsPerSecond }),
    ...(options.maxCredits !== undefined && { maxCredits: options.maxCredits }),
    ...(options.jobTimeout !== undefined && { jobTimeoutMs: Math.round(options.jobTimeout * 1000) }),
    ...(options.retries !== undefined && { retries: options.retries }),
    ...(options.out !== undefined && { out: options.out }),
    ...(options.outageWait !== undefined && { outageWaitMs: Math.round(options.outageWait * 1000) }),
    ...breakerOverrides(options),
  };
}

/** `--no-failure-breaker` turns it off; each `--breaker-*` flag overrides its field of `run.failure_breaker`. */
function breakerOverrides(options: RunCommandOptions): Pick<RunOverrides, 'failureBreaker'> {
  if (options.failureBreaker === false) return { failureBreaker: null };
  const fields = {
    ...(options.breakerMinFinished !== undefined && { minFinished: options.breakerMinFinished }),
    ...(options.breakerWindow !== undefined && { window: options.breakerWindow }),
    ...(options.breakerRate !== undefined && { rate: options.breakerRate }),
  };
  return Object.keys(fields).length > 0 ? { failureBreaker: fields } : {};
}


/** What `--log-file -` names: the log on stderr, as before logs went beside the ledger by default. */
export const LOG_TO_STDERR = '-';
/** The log file a run keeps beside its (first) output folder's ledger, unless `--log-file` names another. */
export const RUN_LOG = 'run.log';
/** Outside a terminal, the log lines also put on stderr by default: warnings and worse. */
export const STDERR_LOG_LEVEL = 'warn';

/**
 * The run's logger, made once its output folders are known. By default the full log goes to `<out>/run.log`
 * (on a terminal, log lines would tear the live display; outside one, thousands of JSON lines buried the
 * banner, the `progress:` lines and the summary), and outside a terminal its warnings also go to stderr.
 * `--log-file -` puts the whole log on stderr; `--log-file <file>` puts it there instead of run.log; an explicit
 * `--log-level` outside a terminal keeps the behaviour from before run.log: that level on stderr.
 */
function loggerFor(options: RunCommandOptions, io: CommandIO, live: boolean): (outDirs: readonly string[]) => Logger {
  return (outDirs) => {
    const level = options.logLevel ?? DEFAULT_LOG_LEVEL;
    const stderr = io.stderr as never;
    if (options.logFile === LOG_TO_STDERR) return createLogger({ level, destination: stderr });
    if (options.logFile) return createLogger({ level, destination: options.logFile });
    if (!outDirs[0] || (!live && options.logLevel !== undefined)) return createLogger({ level, destination: stderr });
    const path = join(outDirs[0], RUN_LOG);
    if (live) return folderLogger(level, path);
    const rel = relative(options.cwd ?? process.cwd(), path);
    io.stderr.write(`paiwo-batch: the full log is in ${rel.startsWith('..') || isAbsolute(rel) ? path : rel}; only its warnings are shown here (--log-file - shows it all)\n`);
    return folderLogger(level, path, { level: STDERR_LOG_LEVEL, destination: stderr });
  };
}

/** A log the tool places itself, beside the ledger: never written through a planted link. */
function folderLogger(level: string, path: string, echo?: LoggerOptions['echo']): Logger {
  try {
    return createLogger({ level, destination: path, refuseLinks: true, ...(echo && { echo }) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new UserError('LOG_LINK', `${path} is a symbolic link; paiwo-batch never writes its log through one. Remove the link and run again.`);
    }
    throw error;
  }
}

/**
 * The built-in simulator of a rehearsal, started once the output folders are known: one persistent service per
 * rehearsal folder, its state (videos, ids, charges, balance) kept in the folders.
 */
function rehearsalService(timeScale: number, cwd: string, io: CommandIO): { start(outDirs: readonly string[]): Promise<Rehearsal>; close(): Promise<void> } {
  let simulator: Simulator | null = null;
  return {
    start: async (outDirs) => {
      simulator = await startSimulator({
        timeScale,
        apiKey: SIMULATOR_KEY,
        // Another folder's rehearsal (a shard, say) gets other ids: the state's seed is drawn once, when it is new.
        seed: randomInt(1, 2 ** 31),
        stateDir: outDirs,
        takes: true,
        onNotice: (message) => io.stderr.write(`${message}\n`),
      });
      const where = outDirs.map((d) => `${relative(cwd, d) || '.'}/`).join(', ');
      io.stderr.write(`${wrapText(`Rehearsal: the built-in simulator at ${simulator.url} (time-scale ${timeScale}; no credits are spent), writing ${where}`, terminalColumns(io.stderr))}\n`);
      const sim = simulator;
      // A rehearsal's deadlines count simulated time, and its videos are the simulator's takes, linked.
      return { url: sim.url, clock: () => sim.clock(), takeFiles: (videoId) => sim.takeFiles(videoId) };
    },
    close: async () => {
      await simulator?.close();
    },
  };
}

/** The summary for people, machines (--json) and CI (GITHUB_STEP_SUMMARY). */
async function printSummary(summary: RunSummary, options: RunCommandOptions, io: CommandIO): Promise<void> {
  // People read the summary; with --json stdout is for machines, so it goes to stderr.
  const people = options.json ? io.stderr : io.stdout;
  people.write(printable(formatRunSummary(summary, terminalColumns(people))));
  if (options.json) io.stdout.write(`${printableJson(JSON.stringify(summary, null, 2))}\n`);
  const stepSummary = io.env.GITHUB_STEP_SUMMARY;
  if (stepSummary) await appendStepSummary(stepSummary, summary);
}
