import { ApiError } from '../api/api-error.js';
import type { VideoStatus } from '../api/api-client.js';
import { answeredByContract, guardedFreeCall, OutagePaused, RESUMES_AFTER_OUTAGE } from './outage-guard.js';
import { PollSchedule } from './poll-schedule.js';
import { retryCall } from './retry-call.js';
import type { RunContext, WorkItem } from './run-context.js';
import { checkPriority } from './request-rate.js';
import { sleep } from './sleep.js';
import { isStop } from './submit-job.js';
import { attemptsOf, refundCapOf } from '../ledger/money.js';
import type { LedgerJob, SubmitAttempt } from '../ledger/types.js';

/**
 * The refund of a moderated video (status 7): what the service reported (else the rest of the charge), at most
 * what is left of the charge of the attempt that made this video; and the history with it recorded.
 */
export function refundOf(job: LedgerJob, videoId: string, reported: number | null): { refund: number; submits: SubmitAttempt[] | null } {
  const history = attemptsOf(job);
  const i = history.findLastIndex((a) => a.outcome === 'accepted' && a.video_id === videoId);
  if (i < 0) {
    const left = Math.max(0, (job.credits ?? 0) - job.credits_refunded);
    return { refund: Math.min(Math.max(0, reported ?? left), left), submits: null };
  }
  const a = history[i]!;
  const left = Math.max(0, refundCapOf(a) - a.credits_refunded);
  const refund = Math.min(Math.max(0, reported ?? left), left);
  const submits = history.map((x, k) => (k === i ? { ...x, credits_refunded: x.credits_refunded + refund } : x));
  return { refund, submits };
}

export type PollOutcome =
  /** Status 1 with a url and a width (contract B.9): the video is ready at `url`. */
  | { readonly kind: 'done'; readonly status: VideoStatus }
  /** Terminal without a video (moderated, failed, deleted, unknown id): recorded. */
  | { readonly kind: 'ended' }
  /** Still not done at the job's timeout, or fetches kept failing: left `submitted` for the next run. */
  | { readonly kind: 'left' }
  /** The run is stopping. */
  | { readonly kind: 'stopped' };

/**
 * One fetch, retried per the error kinds, through the run's request rate; the outage guard hears how each try
 * went, and a try about to leave while the service looks down throws OutagePaused instead (nothing sent).
 */
export function fetchStatus(ctx: RunContext, item: WorkItem, videoId: string, priority?: number): Promise<VideoStatus> {
  const once = (): Promise<VideoStatus> => guardedFreeCall(ctx.outage, () => ctx.client.fetchVideo(videoId, ctx.control.work.signal));
  return retryCall(() => ctx.rate.schedule(once, undefined, priority), {
    retries: item.settings.retries,
    timeScale: ctx.timeScale,
    signal: ctx.control.work.signal,
    maxThrottledMs: item.settings.jobTimeoutMs,
    ...(ctx.deadlineClock && { clock: ctx.deadlineClock }),
  });
}


/**
 * A fetch that outlives outages: while the service looks down it waits (its retries are not burnt on a dead
 * gateway) and asks again once the guard's probes found it back. `null` when the run gave up waiting (outage_wait):
 * the job stays `submitted` for the next run. `waited.ms` grows by the time spent waiting.
 */
export async function fetchThroughOutages(ctx: RunContext, item: WorkItem, videoId: string, priority?: number, waited: { ms: number } = { ms: 0 }): Promise<VideoStatus | null> {
  // Bounded: a video whose own answers stay broken (the gateway answers probes) is not asked for forever.
  let resumes = 0;
  for (;;) {
    if (ctx.outage.isDown) {
      const from = Date.now();
      const up = await ctx.outage.untilUp(ctx.control.work.signal);
      waited.ms += Date.now() - from;
      if (!up) return null;
    }
    try {
      return await fetchStatus(ctx, item, videoId, priority);
    } catch (error) {
      if (error instanceof OutagePaused) continue;
      // Retries ran out on failures that may be the gateway's: the video is paid for, so rather than leave it the
      // gateway is probed (an outage opened if none is) and it is asked for again once the gateway answers.
      if (error instanceof ApiError && error.retryable && !answeredByContract(error) && !ctx.outage.gaveUp && resumes++ < RESUMES_AFTER_OUTAGE) {
        ctx.outage.suspect(`fetch: ${error.code}`);
        continue;
      }
      throw error;
    }
  }
}

/**
 * Polls a job that has a video id until its status is terminal or its timeout passes, on the schedule of
 * poll-schedule.ts (counted from the submit, so a resumed job may be checked at once). Each video found done
 * teaches the run's pace model when it ended: after the last "still generating" and by this answer. When checks
 * are rationed (`requests_per_second`), a check goes ahead of others by how likely its job is done by now.
 * Unknown statuses keep it polling. A timeout is not a failure.
 */
export async function pollJob(ctx: RunContext, item: WorkItem): Promise<PollOutcome> {
  const { store } = item.target;
  const job = store.job(item.id)!;
  const videoId = job.video_id!;
  const ts = ctx.timeScale;
  const schedule = new PollSchedule(job.request, item.settings.poll, ctx.pace);
  const submittedAt = job.submitted_at ? Date.parse(job.submitted_at) : Date.now();
  const sinceSubmit = () => (Date.now() - submittedAt) / ts; // in the service's (unscaled) time
  // Counted from now, not from the submit: a job resumed by a later run gets a full timeout of polling again.
  // On the run's deadline clock (a rehearsal's stops while the machine renders behind the time-scale).
  const clock = ctx.deadlineClock ?? Date.now;
  let deadline = clock() + item.settings.jobTimeoutMs * ts;
  // Time spent waiting out an outage does not count against the job's timeout.
  const waited = { ms: 0 };
  try {
    // A job resumed past its first check was not watched from its start: what it shows says nothing of the pace.
    const watched = schedule.firstDelay(sinceSubmit()) > 0;
    if (watched) schedule.watch(sinceSubmit);
    let notDoneAt: number | null = null;
    await sleep(Math.min(schedule.firstDelay(sinceSubmit()) * ts, Math.max(0, deadline - clock())), ctx.control.work.signal);
    for (;;) {
      let status: VideoStatus;
      const askedAt = sinceSubmit();
      try {
        const answer = await fetchThroughOutages(ctx, item, videoId, checkPriority(schedule.doneShare(askedAt)), waited);
        if (answer === null) return await recordOutageGiveUp(ctx, item, videoId);
        status = answer;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        return await recordFetchFailure(ctx, item, error);
      }
      deadline += waited.ms;
      waited.ms = 0;
      const now = new Date().toISOString();
      // Status 1 without a url or an outputWidth is not done yet (contract B.9): it is polled again below.
      switch (status.ready ? 1 : status.status === 1 ? 5 : status.status) {
        case 1:
          if (watched || notDoneAt !== null) {
            const doneAt = sinceSubmit();
            schedule.seenDone(notDoneAt, doneAt);
            if (ctx.logger.isLevelEnabled('debug')) {
              ctx.logger.debug({ job: item.id, expectedMs: schedule.expectedMs, notDoneAt, doneAt, typical: ctx.pace.typical(schedule.priceClass) }, 'generation seen done');
            }
          }
          // Recorded together with the download's outcome: one journal event instead of two.
          return { kind: 'done', status };
        case 7:
          await recordModerated(ctx, item, status, now);
          return { kind: 'ended' };
        case 8:
        case 6:
          await recordFailed(ctx, item, status, now);
          return { kind: 'ended' };
        default: {
          if (status.status !== 5 && status.status !== 1) ctx.logger.warn({ job: item.id, videoId, status: status.status }, 'unknown status; still polling');
          notDoneAt = askedAt;
          const wait = schedule.nextDelay(sinceSubmit()) * ts;
          // A clock that may stop (a rehearsal's) gives up only once it has passed the deadline: the next check
          // may come before it does.
          if (ctx.deadlineClock ? clock() >= deadline : clock() + wait > deadline) {
            await store.update(item.id, { error: { code: 'TIMEOUT', message: `still generating after job_timeout; rerun to keep polling video ${videoId}` } });
            ctx.logger.warn({ job: item.id, videoId }, 'job timeout: left submitted for the next run');
            return { kind: 'left' };
          }
          await sleep(wait, ctx.control.work.signal);
        }
      }
    }
  } catch (error) {
    if (isStop(error)) return { kind: 'stopped' };
    throw error;
  } finally {
    schedule.unwatch();
  }
}

/** The run gave up waiting for the service (outage_wait): the paid video stays `submitted` for the next run to poll. */
async function recordOutageGiveUp(ctx: RunContext, item: WorkItem, videoId: string): Promise<PollOutcome> {
  await item.target.store.update(item.id, { error: { code: 'SERVICE_UNREACHABLE', message: `the service stayed unreachable past outage_wait; rerun to keep polling video ${videoId}` } });
  ctx.logger.warn({ job: item.id, videoId }, 'service unreachable past outage_wait: left submitted for the next run');
  return { kind: 'left' };
}

/** Fetches gave up: an unknown id ends the job; an account refusal stops the run; anything else leaves it for a rerun. */
async function recordFetchFailure(ctx: RunContext, item: WorkItem, error: ApiError): Promise<PollOutcome> {
  const { store } = item.target;
  if (error.kind === 'not-found') {
    await store.update(item.id, { status: 'failed', error: { code: error.code, message: error.message }, finished_at: new Date().toISOString() });
    return { kind: 'ended' };
  }
  await store.update(item.id, { error: { code: error.code, message: `polling stopped: ${error.message}; rerun to keep polling` } });
  if (error.kind === 'account-refused') {
    ctx.logger.error({ job: item.id, code: error.code }, 'the service refused the account: stopping the run');
    ctx.control.stopAll('account-refused');
    return { kind: 'stopped' };
  }
  ctx.logger.warn({ job: item.id, code: error.code }, 'fetches keep failing; left submitted for the next run');
  return { kind: 'left' };
}

/**
 * Status 7: the provider refunds a moderated generation (B.1), so the charge of this submit comes back — at most
 * the charge of the submit that made this video (a larger refund is not believed).
 */
async function recordModerated(ctx: RunContext, item: WorkItem, status: VideoStatus, now: string): Promise<void> {
  const { store, budget } = item.target;
  const job = store.job(item.id)!;
  const videoId = job.video_id!;
  const { refund, submits } = refundOf(job, videoId, status.credits);
  if (status.credits !== null && status.credits > refund) {
    ctx.logger.warn({ job: item.id, videoId, reported: status.credits, counted: refund }, 'refund reported above its charge: counted at the charge');
  }
  budget.refund(refund);
  ctx.breaker.record('moderated', { code: 'STATUS_7', message: 'rejected by content moderation' });
  await store.update(item.id, {
    status: 'moderated',
    credits_refunded: job.credits_refunded + refund,
    ...(submits && { submits }),
    finished_at: now,
    error: { code: 'STATUS_7', message: 'rejected by content moderation; credits refunded. Not retried: change the prompt.' },
  });
  ctx.logger.warn({ job: item.id, videoId }, 'moderated (status 7), refunded');
}

/** Status 8 (generation failed) or 6 (deleted): recorded; only --retry-failed pays for a new try. */
async function recordFailed(ctx: RunContext, item: WorkItem, status: VideoStatus, now: string): Promise<void> {
  await item.target.store.update(item.id, {
    status: 'failed',
    finished_at: now,
    error:
      status.status === 8
        ? { code: 'STATUS_8', message: 'generation failed on the provider side (rerun with --retry-failed to pay for a new try)' }
        : { code: 'STATUS_6', message: 'the video was deleted on the provider side' },
  });
  ctx.logger.warn({ job: item.id, videoId: item.target.store.job(item.id)!.video_id, status: status.status }, 'generation failed');
  ctx.breaker.record('failed', item.target.store.job(item.id)!.error);
}
