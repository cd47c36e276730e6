import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ApiClient } from './api/api-client.js';
import { InternalError, PaiwoError } from './errors/paiwo-error.js';
import { asOutputUnwritable } from './errors/output-unwritable.js';
import { loadManifests } from './manifest/load-manifests.js';
import type { Diagnostic, LoadedManifest, ManifestSet, Shard } from './manifest/types.js';
import { moneyOf } from './results/ledger-money.js';
import type { JobBudget } from './results/ledger-types.js';
import { shardBudget } from './manifest/shard-jobs.js';
import { JOURNAL_FILE, LEDGER_FILE, openLedger, type LedgerStore } from './results/ledger-store.js';
import { readLedgerSnapshot } from './results/ledger-snapshot.js';
import { checkFolderService, serviceOf, SIMULATOR_SERVICE } from './results/service-identity.js';
import { isShippedClip } from './simulator/media-library.js';
import type { Ledger } from './results/ledger-types.js';
import { REPORT_FILE, writeReport } from './results/write-report.js';
import { PosterMaker } from './results/posters.js';
import { Budget } from './scheduler/budget.js';
import { planWork, type PlannedJob } from './scheduler/plan-work.js';
import { progressReader, type ProgressCounts } from './scheduler/progress-counts.js';
import type { ProgressDisplay } from './display/progress-display.js';
import type { JobSettings, RunTarget, WorkItem } from './scheduler/run-context.js';
import { RunControl } from './scheduler/run-control.js';
import { summarizeRun, type RunSummary } from './scheduler/run-summary.js';
import { downloadQueue, scheduleJobs } from './scheduler/schedule-jobs.js';
import { silentLogger, type Logger } from './util/logger.js';

/** Flags that override the manifests' `run:` blocks (`undefined` = the manifest decides). */
export interface RunOverrides {
  readonly concurrency?: number;
  readonly requestsPerSecond?: number;
  readonly maxCredits?: number;
  readonly jobTimeoutMs?: number;
  readonly retries?: number;
  /** Output folder for every manifest of the run. */
  readonly out?: string;
}

export interface RunBatchOptions {
  /** Manifest files or globs. */
  readonly patterns: readonly string[];
  /** @default process.cwd() */
  readonly cwd?: string;
  /** The API's base URL; not used with `simulator`. */
  readonly baseUrl?: string;
  /**
   * A rehearsal: starts the built-in simulator for the run's output folders (where it keeps its state) and
   * returns its URL. The ledgers record `"simulator"`, and folders default to `output/<name>.rehearsal/`.
   */
  readonly simulator?: (outDirs: readonly string[]) => Promise<string>;
  readonly apiKey: string;
  readonly overrides?: RunOverrides;
  /** Multiplies every client-side delay (poll intervals, backoff, Retry-After, timeouts). @default 1 */
  readonly timeScale?: number;
  readonly maxJobs?: number;
  readonly shard?: Shard;
  readonly retryFailed?: boolean;
  readonly resubmitUnknown?: boolean;
  /** A logger, or one made once the output folders are known (e.g. `<out>/run.log`). */
  readonly logger?: Logger | ((outDirs: readonly string[]) => Logger);
  /** Aborting it is Ctrl+C: stop submitting, record what is on the wire, save. */
  readonly signal?: AbortSignal;
  readonly progress?: (read: () => ProgressCounts) => ProgressDisplay;
  /** Manifest warnings (the loader's non-fatal diagnostics). */
  readonly onWarnings?: (warnings: readonly Diagnostic[]) => void;
}


/** Added to a rehearsal's default output folder: `output/<name>.rehearsal/`. */
export const REHEARSAL_SUFFIX = '.rehearsal';

/**
 * Poster frames a run's own report extracts at its end, at most: most are made in the background as videos are
 * saved (PosterMaker); the rest are left to `paiwo-batch report` or `review` (the page says so). One round of the
 * extractor (2 × 8): 50 took ~1 s at the end of a 10,000-job run whose 9,600 other posters were deferred anyway.
 */
export const RUN_POSTER_LIMIT = 16;

/** How long submits already on the wire may take to answer after Ctrl+C before they are abandoned (as unknown). */
const WIRE_GRACE_MS = 15_000;

/** One output folder of the plan. */
interface FolderPlan {
  readonly outDir: string;
  readonly jobs: PlannedJob[];
  /** This run's budget for the folder: with `--shard`, this shard's share of the manifest's. */
  readonly maxCredits: number | undefined;
  /** The manifest's whole budget and this run's share, recorded on the jobs. */
  readonly budget: JobBudget | null;
}

/**
 * The mission in one function: load and validate the manifests → plan each output folder → open its ledger
 * (one runner per folder) and decide what each job still needs → submit, poll and download within the limits →
 * save, write the reports, and summarise. Job failures are in the summary, not thrown.
 */
export async function runBatch(options: RunBatchOptions): Promise<RunSummary> {
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  const timeScale = options.timeScale ?? 1;
  const overrides = options.overrides ?? {};
  const set = await loadManifests(options.patterns, {
    cwd,
    ...(options.maxJobs !== undefined && { maxJobs: options.maxJobs }),
    ...(options.shard && { shard: options.shard }),
  });
  const warnings = set.diagnostics.filter((d) => d.severity === 'warning');
  if (warnings.length > 0) options.onWarnings?.(warnings);

  const rehearsal = options.simulator !== undefined;
  const service = serviceOf(options.baseUrl ?? '', rehearsal);
  const folders = planFolders(set, overrides, options.shard, cwd, rehearsal);
  // Before anything starts or is sent: every folder's recorded service must be this run's (the ledger store
  // checks again under the lock).
  for (const folder of folders) checkFolderService(folder.outDir, recordedService(await readLedgerSnapshot(join(folder.outDir, LEDGER_FILE))), service);
  const baseUrl = options.simulator ? await options.simulator(folders.map((f) => f.outDir)) : options.baseUrl!;
  const logger = typeof options.logger === 'function' ? options.logger(folders.map((f) => f.outDir)) : (options.logger ?? silentLogger);
  // An HTTP exchange does not get faster with the simulator: the deadline shrinks with the time-scale, but not
  // below 10 s, so a busy machine does not turn answered submits into "unknown" ones.
  const callTimeoutMs = Math.max(10_000, ApiClient.DEFAULT_TIMEOUT_MS * timeScale);
  const client = new ApiClient({ baseUrl, apiKey: options.apiKey, timeoutMs: callTimeoutMs, logger });
  const control = new RunControl();
  const onInterrupt = () => {
    logger.warn('interrupted: no new submits; recording what is on the wire, then saving');
    control.interrupt(Math.min(callTimeoutMs, WIRE_GRACE_MS));
  };
  if (options.signal?.aborted) onInterrupt();
  else options.signal?.addEventListener('abort', onInterrupt, { once: true });

  const opened: { folder: FolderPlan; store: LedgerStore; target: RunTarget; spentAtStart: number; work?: number }[] = [];
  let failure: unknown = null;
  try {
    const items: WorkItem[] = [];
    for (const folder of folders) {
      const store = await openLedger(folder.outDir, { logger, service });
      const target: RunTarget = { outDir: folder.outDir, store, budget: new Budget(folder.maxCredits, store.jobs) };
      opened.push({ folder, store, target, spentAtStart: moneyOf(store.jobs).credits_spent });
      const resume = { retryFailed: options.retryFailed ?? false, resubmitUnknown: options.resubmitUnknown ?? false, budget: folder.budget };
      const work = await planWork(target, folder.jobs, resume, logger);
      opened[opened.length - 1]!.work = work.length;
      items.push(...work);
    }
    logger.info({ jobs: items.length, folders: folders.map((f) => f.outDir) }, 'run planned');
    const downloads = downloadQueue();
    const posters = new PosterMaker();
    const byDir = new Map(opened.map((o) => [o.folder.outDir, o.store]));
    const concurrency = overrides.concurrency ?? Math.min(...set.manifests.map((m) => m.run.concurrency));
    const display = options.progress?.(
      progressReader(
        opened.map((o) => ({ store: o.store, ids: o.folder.jobs.map((p) => p.job.id) })),
        () => downloads.size + downloads.pending,
        { slots: concurrency, timeScale },
      ),
    );
    try {
      await scheduleJobs(items, {
        client,
        control,
        logger,
        concurrency,
        ...rate(set.manifests, overrides),
        timeScale,
        callTimeoutMs,
        downloads,
        onSaved: (outDir, id) => {
          const job = byDir.get(outDir)?.job(id);
          if (job) posters.add(outDir, job);
        },
      });
    } finally {
      display?.stop();
      await posters.stop();
    }
  } catch (error) {
    failure = error;
  } finally {
    options.signal?.removeEventListener('abort', onInterrupt);
    control.close();
    client.close();
    for (const o of opened) {
      try {
        await o.store.close();
      } catch (error) {
        failure ??= error;
      }
    }
  }
  if (failure !== null) {
    if (failure instanceof PaiwoError) throw failure;
    // The user's disk, not a bug: exit 7 without a stack, naming the file. Whatever was acknowledged is in the journal.
    const unwritable = asOutputUnwritable(failure);
    if (unwritable) throw unwritable;
    throw new InternalError(`run failed: ${(failure as Error)?.message ?? String(failure)}`, { cause: failure });
  }

  const reports: string[] = [];
  for (const o of opened) {
    try {
      // Posters cost ~20–40 ms of ffmpeg each: a run makes a bounded number, so its end stays prompt at any size;
      // `report` and `review` make the rest (the page says so).
      const existing = join(o.folder.outDir, REPORT_FILE);
      // A rerun with nothing to do leaves a report newer than the ledger as it is (`paiwo-batch report` rewrites it).
      if (o.work === 0 && (await reportIsCurrent(o.folder.outDir))) reports.push(existing);
      else reports.push(await writeReport(o.folder.outDir, o.store.ledger, { posterLimit: RUN_POSTER_LIMIT }));
    } catch (error) {
      // The videos and the ledger are what matter; a report can be written again with `paiwo-batch report`.
      logger.error({ err: error, out: o.folder.outDir }, 'could not write report.html');
    }
  }
  const summary = summarizeRun({
    targets: opened.map((o) => ({
      outDir: o.folder.outDir,
      jobs: o.folder.jobs.map((p) => o.store.job(p.job.id)!),
      allJobs: o.store.jobs,
      spentAtStart: o.spentAtStart,
      maxCredits: o.folder.maxCredits,
      budget: o.folder.budget,
    })),
    stopped: control.stopReasons,
    reports,
    durationMs: Date.now() - started,
  });
  logger.info({ exit_code: summary.exit_code, jobs: summary.jobs, credits_spent: summary.credits_spent, duration_ms: summary.duration_ms }, 'run finished');
  return { ...summary, service };
}

/**
 * The service a folder's ledger ran against. Ledgers from before it was recorded have none — unless their videos
 * are the simulator's shipped clips, which only a rehearsal (the old `--simulator` wrote to the real folder) has.
 */
function recordedService(ledger: Ledger | null): string | undefined {
  if (!ledger) return undefined;
  if (ledger.service !== undefined) return ledger.service;
  return ledger.jobs.some((j) => j.status === 'succeeded' && j.sha256 !== null && isShippedClip(j.sha256)) ? SIMULATOR_SERVICE : undefined;
}

/** Whether `report.html` was written after the ledger last changed (snapshot and journal). */
async function reportIsCurrent(outDir: string): Promise<boolean> {
  const mtime = (name: string) => stat(join(outDir, name)).then((s) => s.mtimeMs, () => null);
  const [report, ledger, journal] = await Promise.all([mtime(REPORT_FILE), mtime(LEDGER_FILE), mtime(JOURNAL_FILE)]);
  return report !== null && report >= (ledger ?? 0) && report >= (journal ?? 0);
}

function rate(manifests: readonly LoadedManifest[], overrides: RunOverrides): { requestsPerSecond?: number } {
  if (overrides.requestsPerSecond !== undefined) return { requestsPerSecond: overrides.requestsPerSecond };
  const limits = manifests.map((m) => m.run.requestsPerSecond).filter((r): r is number => r !== undefined);
  // One account, one limit: the strictest manifest's.
  return limits.length > 0 ? { requestsPerSecond: Math.min(...limits) } : {};
}

/**
/**
 * A manifest's output folder (absolute): `out` (the `--out` flag), else its `run.out`, else
 * `output/<manifest name>/`; a rehearsal without `out` adds `.rehearsal` to that folder's name
 * (`output/<name>.rehearsal/`), so it never takes the real run's folder; a shard without `out` uses
 * `<that>/shard-k-of-n/` so shards never share a ledger.
 */
export function outputFolderOf(m: LoadedManifest, out: string | undefined, shard: Shard | undefined, cwd: string, rehearsal = false): string {
  if (out !== undefined) return resolve(cwd, out);
  const base = m.run.out ?? join('output', m.name);
  const real = isAbsolute(base) ? base : resolve(cwd, base);
  const dir = rehearsal ? `${real}${REHEARSAL_SUFFIX}` : real;
  return shard ? join(dir, `shard-${shard.index}-of-${shard.count}`) : dir;
}

/**
 * Groups the jobs by output folder (outputFolderOf). Per-job settings
 * come from the job's own manifest; a folder's budget is the strictest `max_credits` of the manifests in it (or
 * `--max-credits`), and a shard's is its share of that, in proportion to its jobs' estimated cost.
 */
function planFolders(set: ManifestSet, overrides: RunOverrides, shard: Shard | undefined, cwd: string, rehearsal: boolean): FolderPlan[] {
  const byPath = new Map(set.manifests.map((m) => [m.path, m]));
  const byName = new Map(set.manifests.map((m) => [m.name, m]));
  const folders = new Map<string, { outDir: string; jobs: PlannedJob[]; budgets: number[]; wholeCredits: number }>();
  const outOf = (m: LoadedManifest): string => outputFolderOf(m, overrides.out, shard, cwd, rehearsal);
  const settingsOf = new Map<LoadedManifest, JobSettings>();
  for (const m of set.manifests) {
    settingsOf.set(m, {
      poll: m.run.poll,
      jobTimeoutMs: overrides.jobTimeoutMs ?? m.run.jobTimeoutMs,
      retries: overrides.retries ?? m.run.retries,
    });
    const outDir = outOf(m);
    let folder = folders.get(outDir);
    if (!folder) {
      folder = { outDir, jobs: [], budgets: [], wholeCredits: 0 };
      folders.set(outDir, folder);
    }
    if (m.run.maxCredits !== undefined) folder.budgets.push(m.run.maxCredits);
    folder.wholeCredits += m.unshardedCredits ?? m.jobs.reduce((sum, j) => sum + j.estimatedCredits, 0);
  }
  for (const job of set.jobs) {
    const manifest = byPath.get(job.manifest) ?? byName.get(job.manifestName) ?? set.manifests[0]!;
    folders.get(outOf(manifest))!.jobs.push({ job, settings: settingsOf.get(manifest)! });
  }
  return [...folders.values()].map(({ outDir, jobs, budgets, wholeCredits }) => {
    const whole = overrides.maxCredits ?? (budgets.length > 0 ? Math.min(...budgets) : undefined);
    if (whole === undefined) return { outDir, jobs, maxCredits: undefined, budget: null };
    const mine = jobs.reduce((sum, p) => sum + p.job.estimatedCredits, 0);
    const share = shard && shard.count > 1 ? shardBudget(whole, mine, wholeCredits, shard.count) : whole;
    return { outDir, jobs, maxCredits: share, budget: { max_credits: whole, share } };
  });
}
