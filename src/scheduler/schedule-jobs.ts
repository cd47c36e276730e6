import PQueue from 'p-queue';
import type { SubmitRequest } from '../model/capabilities.js';
import { expectedGenerationMs } from '../model/generation-time.js';
import type { ApiClient } from '../api/api-client.js';
import { PaidNotRecordedError, type UnrecordedVideo } from '../errors/paid-not-recorded.js';
import type { Logger } from '../util/logger.js';
import { downloadJob } from './download-job.js';
import { DEFAULT_BREAKER, FailureBreaker, type BreakerSettings, type BreakerTrip } from './failure-breaker.js';
import { OutageGuard, type OutageRecord } from './outage-guard.js';
import { GenerationSlots } from './generation-slots.js';
import { PaceModel } from './pace-model.js';
import { pollJob } from './poll-job.js';
import { RequestRate } from './request-rate.js';
import type { RunContext, WorkItem } from './run-context.js';
import type { RunControl } from './run-control.js';
import { submitJob } from './submit-job.js';

export interface ScheduleOptions {
  readonly client: ApiClient;
  readonly control: RunControl;
  readonly logger: Logger;
  /** Generations in flight at once. */
  readonly concurrency: number;
  /** All API calls together; `undefined` = unlimited. */
  readonly requestsPerSecond?: number;
  readonly timeScale: number;
  /** Already scaled. */
  readonly callTimeoutMs: number;
  /**
   * The queue downloads run in (they do not hold a generation slot). Pass one to watch it, as the progress
   * display does; its concurrency is set from `concurrency` (`downloadsAtOnce`). @default downloadQueue()
   */
  readonly downloads?: PQueue;
  /**
   * Finished videos that may wait for a download; a finished generation beyond them keeps its slot until one
   * starts. @default max(64, concurrency)
   */
  readonly downloadBacklog?: number;
  /** Told of every video saved, after its ledger record says so. */
  readonly onSaved?: (outDir: string, jobId: string) => void;
  /**
   * The clock (ms) a job's timeout and a throttled call's wait are counted on. A rehearsal passes the simulator's
   * simulated time, which stops while the machine renders takes behind the time-scale. @default the machine's
   * clock, with a job given up as soon as its next check would fall past its timeout
   */
  readonly deadlineClock?: () => number;
  /** Longest wait for an outage to end, unscaled ms (`run.outage_wait`). @default 30 min */
  readonly outageWaitMs?: number;
  /** The failure-rate breaker; null turns it off. @default DEFAULT_BREAKER */
  readonly breaker?: BreakerSettings | null;
  /** Told when an outage begins or ends and when the breaker trips (the live display prints it). */
  readonly onNotice?: (text: string) => void;
  /** Handed the outage guard once it exists (the live display asks it what to say). */
  readonly onOutageGuard?: (guard: OutageGuard) => void;
}

/** `run.outage_wait` by default: 30 minutes (× time-scale). */
export const DEFAULT_OUTAGE_WAIT_MS = 30 * 60 * 1000;

/** Downloads at once, at least. */
const DOWNLOADS_AT_ONCE = 4;
/** … and one more per this many generation slots, up to DOWNLOADS_MAX. */
const SLOTS_PER_DOWNLOAD = 8;
const DOWNLOADS_MAX = 32;

export function downloadQueue(): PQueue {
  return new PQueue({ concurrency: DOWNLOADS_AT_ONCE });
}

/**
 * Downloads at once for this many generation slots. Four kept up with 20 slots, but at 200 slots of short
 * generations the videos came faster than four could save them (open, write, fsync, rename, journal): a
 * 10,000-job run finished its generations at 56 s and its downloads at 99 s.
 */
export function downloadsAtOnce(concurrency: number): number {
  return Math.min(DOWNLOADS_MAX, Math.max(DOWNLOADS_AT_ONCE, Math.ceil(concurrency / SLOTS_PER_DOWNLOAD)));
}

export interface ScheduleStats {
  /** Most generation slots in use at once. */
  readonly peakGenerating: number;
  /** Times the service said the account was at its limit. */
  readonly throttles: number;
  /** The outages the run met (outage-guard.ts). */
  readonly outages: readonly OutageRecord[];
  /** Why the failure-rate breaker stopped submitting; null when it did not. */
  readonly breaker: BreakerTrip | null;
}

/**
 * Moves every work item to the end of its road for this run. A job takes a generation slot for its submit and
 * keeps it while polling until its status is terminal (the service's slot is busy until then); the download
 * runs afterwards in its own small queue, so the freed slot is refilled at once. See `startOrder` for the order.
 */
export async function scheduleJobs(items: readonly WorkItem[], options: ScheduleOptions): Promise<ScheduleStats> {
  const slots = new GenerationSlots({ limit: options.concurrency, timeScale: options.timeScale, logger: options.logger });
  const downloads = options.downloads ?? downloadQueue();
  downloads.concurrency = downloadsAtOnce(options.concurrency);
  const rate = new RequestRate(options.requestsPerSecond, options.timeScale);
  const { outage, breaker } = watchers(options, rate);
  const ctx: RunContext = {
    client: options.client,
    rate,
    outage,
    breaker,
    slots,
    downloads,
    control: options.control,
    logger: options.logger,
    timeScale: options.timeScale,
    callTimeoutMs: options.callTimeoutMs,
    pace: new PaceModel(),
    generating: 0,
    ...(options.deadlineClock && { deadlineClock: options.deadlineClock }),
    ...(options.onSaved && { onSaved: options.onSaved }),
  };
  const backlog = options.downloadBacklog ?? downloadBacklog(options.concurrency);
  let peak = 0;
  let fatal: unknown = null;
  const unrecorded: UnrecordedVideo[] = [];
  const fail = (error: unknown) => {
    // A failure of the runner itself (the disk refused the ledger): stop everything, report it at the end.
    // Paid ids that could not be recorded are all kept: each must reach the user.
    if (error instanceof PaidNotRecordedError) unrecorded.push(...error.videos);
    if (fatal === null) fatal = error;
    options.control.stopAll('internal');
  };

  const runGeneration = async (item: WorkItem): Promise<void> => {
    if (item.kind === 'submit' && !(await submitJob(ctx, item))) return;
    ctx.generating++;
    peak = Math.max(peak, ctx.generating);
    let outcome;
    try {
      outcome = await pollJob(ctx, item);
    } finally {
      ctx.generating--;
    }
    if (outcome.kind === 'done') {
      ctx.breaker.record('succeeded');
      const done = outcome.status;
      // Downloads behind: the slot is held until the backlog shrinks, so new submits wait for the disk and the
      // network instead of piling up finished videos in memory (a 100,000-job run kept 47,000 waiting, ~1 GB).
      if (ctx.downloads.size >= backlog) await ctx.downloads.onSizeLessThan(backlog);
      ctx.downloads.add(() => downloadJob(ctx, item, done)).catch(fail);
    }
  };

  try {
    // Fed as slots free up, a few ahead of them, instead of all at once: a queued task costs ~600 bytes (its
    // closure and promise), 60 MB at 100,000 jobs. The waiting few still refill a freed slot at once.
    const ahead = feedAhead(options.concurrency);
    for (const item of startOrder(items)) {
      if (slots.queue.size >= ahead) await slots.queue.onSizeLessThan(ahead);
      slots.add(() => runGeneration(item)).catch(fail);
    }
    await slots.queue.onIdle();
    await ctx.downloads.onIdle();
  } finally {
    slots.close();
    outage.close();
  }
  if (unrecorded.length > 0) throw new PaidNotRecordedError(unrecorded, fatal instanceof PaidNotRecordedError ? fatal.reason : fatal);
  if (fatal !== null) throw fatal;
  return { peakGenerating: peak, throttles: slots.throttleCount, outages: outage.history, breaker: breaker.tripped };
}

/** What watches the service for the run: the outage guard (submits stop while it is down) and the failure-rate breaker. */
function watchers(options: ScheduleOptions, rate: RequestRate): { outage: OutageGuard; breaker: FailureBreaker } {
  const outage = new OutageGuard({
    timeScale: options.timeScale,
    maxWaitMs: options.outageWaitMs ?? DEFAULT_OUTAGE_WAIT_MS,
    concurrency: options.concurrency,
    // A free call, through the run's request rate ahead of every check; the run's stop ends it.
    probe: (videoId) => rate.schedule(() => options.client.fetchVideo(videoId, options.control.work.signal)),
    onGiveUp: () => options.control.stopSubmits('outage'),
    logger: options.logger,
    ...(options.onNotice && { onNotice: options.onNotice }),
  });
  options.onOutageGuard?.(outage);
  const breaker = new FailureBreaker(
    options.breaker === undefined ? DEFAULT_BREAKER : options.breaker,
    (trip) => {
      options.control.stopSubmits('failure-rate');
      options.onNotice?.(trip.message);
    },
    options.logger,
  );
  return { outage, breaker };
}

/** Finished videos waiting for a download before a finished generation holds its slot. */
function downloadBacklog(concurrency: number): number {
  return Math.max(64, concurrency);
}

/** Work items waiting in the slot queue beyond those running: enough that a freed slot never waits for the feeder. */
function feedAhead(concurrency: number): number {
  return Math.max(16, concurrency);
}

/**
 * Jobs that already have a video id first (they already hold the account's slots), then new submits longest
 * expected generation first: with many slots the batch then ends on short jobs instead of waiting for one long
 * straggler started last (the classic longest-processing-time rule). Stable otherwise: plan order.
 */
function startOrder(items: readonly WorkItem[]): WorkItem[] {
  const polls = items.filter((i) => i.kind === 'poll');
  const submits = submitOrder(
    items.filter((i) => i.kind === 'submit'),
    (item) => item.target.store.job(item.id)!.request,
  );
  return [...polls, ...submits];
}

/** The order new submits start in (and `plan` counts the budget in): longest expected generation first, stable. */
export function submitOrder<T>(items: readonly T[], requestOf: (item: T) => SubmitRequest): T[] {
  const expected = new Map<T, number>(items.map((item) => [item, expectedGenerationMs(requestOf(item))]));
  return [...items].sort((a, b) => expected.get(b)! - expected.get(a)!);
}
