import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiClient } from './api/api-client.js';
import { InternalError, PaiwoError } from './errors/paiwo-error.js';
import { asOutputUnwritable } from './errors/output-unwritable.js';
import { loadManifests } from './manifest/load-manifests.js';
import type { Diagnostic, Shard } from './manifest/types.js';
import { concurrencyOf, failureBreakerOf, outageWaitOf, planFolders, recordedService, requestRateOf, type FolderPlan, type RunOverrides } from './plan-folders.js';
import { moneyOf } from './ledger/money.js';
import { JOURNAL_FILE, LEDGER_FILE, openLedger, type LedgerStore } from './ledger/store.js';
import { readLedgerSnapshot } from './ledger/snapshot.js';
import { checkFolderService, serviceOf } from './ledger/service-identity.js';
import { reserveBytesFor } from './ledger/journal-reserve.js';
import { REPORT_FILE, writeReport } from './report/write-report.js';
import { PosterMaker } from './report/posters.js';
import { TakeLinks, type TakeFiles } from './report/take-links.js';
import { Budget } from './scheduler/budget.js';
import { planWork } from './scheduler/plan-work.js';
import { progressReader, type ProgressCounts } from './scheduler/progress-counts.js';
import type { ProgressDisplay } from './display/progress-display.js';
import type { RunTarget, WorkItem } from './scheduler/run-context.js';
import { RunControl } from './scheduler/run-control.js';
import { summarizeRun, type RunSummary } from './scheduler/run-summary.js';
import { downloadQueue, scheduleJobs, type ScheduleOptions, type ScheduleStats } from './scheduler/schedule-jobs.js';
import type { OutageGuard } from './scheduler/outage-guard.js';
import { silentLogger, type Logger } from './util/logger.js';


export interface RunBatchOptions {
  /** Manifest files or globs. */
  readonly patterns: readonly string[];
  /** @default process.cwd() */
  readonly cwd?: string;
  /** The API's base URL; not used with `simulator`. */
  readonly baseUrl?: string;
  /**
   * A rehearsal: starts the built-in simulator for the run's output folders (where it keeps its state) and
   * returns its URL, its clock and its takes (`Rehearsal`). The ledgers record `"simulator"`, and folders default
   * to `output/<name>.rehearsal/`.
   */
  readonly simulator?: (outDirs: readonly string[]) => Promise<Rehearsal>;
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


/** The simulator a rehearsal runs against: its URL, and what the run may use of it because it is a rehearsal. */
export interface Rehearsal {
  readonly url: string;
  /** Simulated ms, which stop while the machine renders behind the time-scale: the run's deadlines count them. */
  readonly clock?: () => number;
  /** The simulator's file of a video's take and of its poster, linked instead of keeping a second copy. */
  readonly takeFiles?: (videoId: string) => TakeFiles | null;
}

/**
 * Poster frames a run's own report extracts at its end, at most: most are made in the background as videos are
 * saved (PosterMaker); the rest are left to `paiwo-batch report` or `review` (the page says so). One round of the
 * extractor (2 × 8): 50 took ~1 s at the end of a 10,000-job run whose 9,600 other posters were deferred anyway.
 */
export const RUN_POSTER_LIMIT = 16;

/** How long submits already on the wire may take to answer after Ctrl+C before they are abandoned (as unknown). */
const WIRE_GRACE_MS = 15_000;

/** An output folder once its ledger is open: what the run does there and what it started from. */
interface OpenFolder {
  readonly outDir: string;
  /** The planned jobs' ids, in plan order (the jobs themselves are in the ledger). */
  readonly ids: readonly string[];
  readonly maxCredits: number | undefined;
  readonly budget: FolderPlan['budget'];
  readonly store: LedgerStore;
  readonly target: RunTarget;
  readonly spentAtStart: number;
  /** Work items planned for this folder in this run. */
  work: number;
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
  const rehearsal = options.simulator !== undefined;
  const service = serviceOf(options.baseUrl ?? '', rehearsal);
  const { folders, concurrency, requestRate, outageWaitMs, breaker } = await loadPlan(options, cwd, rehearsal);
  // Before anything starts or is sent: every folder's recorded service must be this run's (the ledger store
  // checks again under the lock).
  for (const folder of folders) {
    const origin = { outFlag: options.overrides?.out !== undefined, promoted: folder.jobs.some((p) => p.job.promotedFrom !== undefined) };
    checkFolderService(folder.outDir, recordedService(await readLedgerSnapshot(join(folder.outDir, LEDGER_FILE))), service, origin);
  }
  const rehearsalService = options.simulator ? await options.simulator(folders.map((f) => f.outDir)) : null;
  const baseUrl = rehearsalService?.url ?? options.baseUrl!;
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

  const opened: OpenFolder[] = [];
  let failure: unknown = null;
  let stats: ScheduleStats | null = null;
  try {
    // Handed over (the array emptied): once planned, a folder's manifest jobs are no longer held, only their ids.
    const items = await openFolders(folders.splice(0), opened, { logger, service, options, concurrency });
    stats = await runWork(items, opened, {
      client,
      control,
      logger,
      concurrency,
      ...requestRate,
      timeScale,
      callTimeoutMs,
      ...(rehearsalService?.clock && { deadlineClock: rehearsalService.clock }),
      ...(rehearsalService && { rehearsal: rehearsalService }),
      ...(outageWaitMs !== undefined && { outageWaitMs }),
      ...(breaker !== undefined && { breaker }),
      ...(options.progress && { progress: options.progress }),
    });
  } catch (error) {
    failure = error;
  } finally {
    options.signal?.removeEventListener('abort', onInterrupt);
    control.close();
    client.close();
    // The first failure is the one to report (a paid video not recorded stays ahead of the disk refusing the close).
    const closeFailure = await closeFolders(opened);
    failure ??= closeFailure;
  }
  if (failure !== null) throw runFailure(failure);

  const summary = summarizeRun({
    targets: opened.map((o) => ({
      outDir: o.outDir,
      jobs: o.ids.map((id) => o.store.job(id)!),
      allJobs: o.store.jobs,
      spentAtStart: o.spentAtStart,
      maxCredits: o.maxCredits,
      budget: o.budget,
    })),
    stopped: control.stopReasons,
    outages: stats?.outages ?? [],
    breaker: stats?.breaker ?? null,
    reports: await writeReports(opened, logger),
    durationMs: Date.now() - started,
  });
  logger.info({ exit_code: summary.exit_code, jobs: summary.jobs, credits_spent: summary.credits_spent, duration_ms: summary.duration_ms }, 'run finished');
  return { ...summary, service };
}

/**
 * Loads and validates the manifests and groups their jobs by output folder. Only the plan leaves this function:
 * the loaded manifests (every Job twice over, ~80 MB at 100,000 jobs) are not held for the rest of the run.
 */
async function loadPlan(
  options: RunBatchOptions,
  cwd: string,
  rehearsal: boolean,
): Promise<{ folders: FolderPlan[]; concurrency: number; requestRate: { requestsPerSecond?: number }; outageWaitMs: number | undefined; breaker: ScheduleOptions['breaker'] }> {
  const overrides = options.overrides ?? {};
  const set = await loadManifests(options.patterns, {
    cwd,
    ...(options.maxJobs !== undefined && { maxJobs: options.maxJobs }),
    ...(options.shard && { shard: options.shard }),
  });
  const warnings = set.diagnostics.filter((d) => d.severity === 'warning');
  if (warnings.length > 0) options.onWarnings?.(warnings);
  return {
    folders: planFolders(set, overrides, options.shard, cwd, rehearsal),
    concurrency: concurrencyOf(set.manifests, overrides),
    requestRate: requestRateOf(set.manifests, overrides),
    outageWaitMs: outageWaitOf(set.manifests, overrides),
    breaker: failureBreakerOf(set.manifests, overrides),
  };
}

/** Opens each folder's ledger (adding it to `opened` at once, so it is closed whatever happens next) and plans its work. */
async function openFolders(
  folders: readonly FolderPlan[],
  opened: OpenFolder[],
  context: { readonly logger: Logger; readonly service: string; readonly options: RunBatchOptions; readonly concurrency: number },
): Promise<WorkItem[]> {
  const { logger, service, options } = context;
  const items: WorkItem[] = [];
  for (const folder of folders) {
    // Space for the answers of the submits on the wire, kept before any leaves (ledger/journal-reserve.ts).
    const store = await openLedger(folder.outDir, { logger, service, reserveBytes: reserveBytesFor(context.concurrency) });
    const target: RunTarget = { outDir: folder.outDir, store, budget: new Budget(folder.maxCredits, store.jobs) };
    const { outDir, maxCredits, budget } = folder;
    const ids = folder.jobs.map((p) => p.job.id);
    const open: OpenFolder = { outDir, ids, maxCredits, budget, store, target, spentAtStart: moneyOf(store.jobs).credits_spent, work: 0 };
    opened.push(open);
    const resume = { retryFailed: options.retryFailed ?? false, resubmitUnknown: options.resubmitUnknown ?? false, budget: folder.budget };
    const work = await planWork(target, folder.jobs, resume, logger);
    open.work = work.length;
    items.push(...work);
  }
  logger.info({ jobs: items.length, folders: folders.map((f) => f.outDir) }, 'run planned');
  return items;
}

/** Schedules the work with a progress display and posters made in the background as videos are saved. */
async function runWork(
  items: readonly WorkItem[],
  opened: readonly OpenFolder[],
  options: Omit<ScheduleOptions, 'downloads' | 'onSaved' | 'onNotice' | 'onOutageGuard'> & { readonly progress?: RunBatchOptions['progress']; readonly rehearsal?: Rehearsal },
): Promise<ScheduleStats> {
  const { progress, rehearsal, ...schedule } = options;
  const downloads = downloadQueue();
  const posters = new PosterMaker();
  const linking = new TakeLinks(posters);
  const byDir = new Map(opened.map((o) => [o.outDir, o.store]));
  const read = progressReader(
    opened.map((o) => ({ store: o.store, ids: o.ids })),
    () => downloads.size + downloads.pending,
    { slots: schedule.concurrency, timeScale: schedule.timeScale },
  );
  // While the service looks down, the display says so ("service unreachable since …").
  let guard: OutageGuard | null = null;
  const display = progress?.(() => ({ ...read(), outage: guard?.describe() ?? null }));
  try {
    return await scheduleJobs(items, {
      ...schedule,
      downloads,
      onOutageGuard: (g) => (guard = g),
      ...(display && { onNotice: (text: string) => display.notice(text) }),
      onSaved: (outDir, id) => {
        const job = byDir.get(outDir)?.job(id);
        const take = job?.video_id && rehearsal?.takeFiles?.(job.video_id);
        if (job && take) linking.add(outDir, job, take);
        else if (job) posters.add(outDir, job);
      },
    });
  } finally {
    display?.stop();
    await linking.settled();
    await posters.stop();
  }
}

/** Closes every ledger (its final snapshot, then the lock); the first failure, if any. */
async function closeFolders(opened: readonly OpenFolder[]): Promise<unknown> {
  let failure: unknown = null;
  for (const o of opened) {
    try {
      await o.store.close();
    } catch (error) {
      failure ??= error;
    }
  }
  return failure;
}

/** What a failed run throws: our own errors as they are, the user's disk as exit 7 without a stack, else a bug. */
function runFailure(failure: unknown): Error {
  if (failure instanceof PaiwoError) return failure;
  // The user's disk, not a bug: exit 7 without a stack, naming the file. Whatever was acknowledged is in the journal.
  const unwritable = asOutputUnwritable(failure);
  if (unwritable) return unwritable;
  return new InternalError(`run failed: ${(failure as Error)?.message ?? String(failure)}`, { cause: failure });
}

/** Writes each folder's report.html (a rerun with nothing to do keeps a current one); the paths written. */
async function writeReports(opened: readonly OpenFolder[], logger: Logger): Promise<string[]> {
  const reports: string[] = [];
  for (const o of opened) {
    try {
      // Posters cost ~20–40 ms of ffmpeg each: a run makes a bounded number, so its end stays prompt at any size;
      // `report` and `review` make the rest (the page says so).
      const existing = join(o.outDir, REPORT_FILE);
      // A rerun with nothing to do leaves a report newer than the ledger as it is (`paiwo-batch report` rewrites it).
      if (o.work === 0 && (await reportIsCurrent(o.outDir))) reports.push(existing);
      else reports.push(await writeReport(o.outDir, o.store.ledger, { posterLimit: RUN_POSTER_LIMIT }));
    } catch (error) {
      // The videos and the ledger are what matter; a report can be written again with `paiwo-batch report`.
      logger.error({ err: error, out: o.outDir }, 'could not write report.html');
    }
  }
  return reports;
}

/** Whether `report.html` was written after the ledger last changed (snapshot and journal). */
async function reportIsCurrent(outDir: string): Promise<boolean> {
  const mtime = (name: string) => stat(join(outDir, name)).then((s) => s.mtimeMs, () => null);
  const [report, ledger, journal] = await Promise.all([mtime(REPORT_FILE), mtime(LEDGER_FILE), mtime(JOURNAL_FILE)]);
  return report !== null && report >= (ledger ?? 0) && report >= (journal ?? 0);
}
