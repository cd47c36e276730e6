import { ApiError } from '../api/api-error.js';
import { attemptsOf } from '../ledger/money.js';
import type { LedgerError, SubmitAttempt } from '../ledger/types.js';
import { PaidNotRecordedError } from '../errors/paid-not-recorded.js';
import type { LedgerPatch } from '../ledger/store.js';
import { crashPoint } from '../util/crash-point.js';
import type { SubmitRequest } from '../model/capabilities.js';
import { OutagePaused } from './outage-guard.js';
import { retryCall } from './retry-call.js';
import { withSubmitBody } from './upload-images.js';
import { RunStopped } from './run-control.js';
import { sleep } from './sleep.js';
import type { Budget } from './budget.js';
import type { RunContext, WorkItem } from './run-context.js';

/** Thrown inside the retry loop when the run stops submitting: not an ApiError, so never retried. */
class SubmitsStopped extends Error {}

/** The run stopping (our own abort), as opposed to a failure. */
export function isStop(error: unknown): boolean {
  return error instanceof SubmitsStopped || error instanceof RunStopped || (error instanceof Error && error.name === 'AbortError');
}

function errorOf(error: ApiError): LedgerError {
  return { code: error.code, message: error.message };
}

/**
 * Submits one job, money first: the budget must fit it, the intent (`submitting`, attempts + 1) is fsync'd
 * before each request leaves, and the answer (video id, charge) is fsync'd before anything else happens. A
 * submit whose outcome cannot be known becomes `unknown` and is never repeated here. Returns whether the job
 * now has a video id.
 */
export async function submitJob(ctx: RunContext, item: WorkItem): Promise<boolean> {
  const { store, budget } = item.target;
  const job = store.job(item.id)!;
  if (ctx.control.submitsStopped) return false;
  // A stop of submits alone (an empty balance, an outage given up) also ends a wait at once.
  const signal = AbortSignal.any([ctx.control.work.signal, ctx.control.submits.signal]);
  // While the service looks down nothing is sent: the job waits here, still `pending`, holding nothing.
  if (!(await serviceAllowsSubmit(ctx, signal))) return false;
  const estimate = job.estimated_credits;
  const hold = await budget.reserve(job.request, estimate);
  if (hold === null) {
    await store.update(item.id, { status: 'skipped', error: { code: 'BUDGET', message: `over budget: ${budget.describe(job.request, estimate)}` } });
    ctx.logger.info({ job: item.id, estimate }, 'skipped: over the max_credits budget');
    return false;
  }
  const charge: { settled: Settled } = { settled: { kind: 'refused' } };
  try {
    for (;;) {
      try {
        await retryCall(
          // An image job's body carries its upload ids (upload-images.ts); a plain job's is its request.
          () => withSubmitBody(ctx, item, (body) => attemptSubmit(ctx, item, charge, body)),
          {
            retries: item.settings.retries,
            timeScale: ctx.timeScale,
            signal,
            maxThrottledMs: item.settings.jobTimeoutMs,
            ...(ctx.deadlineClock && { clock: ctx.deadlineClock }),
            onThrottled: () => ctx.slots.throttle(ctx.generating),
            onRetry: (error, attempt) => {
              ctx.logger.info({ job: item.id, attempt, code: error.code, kind: error.kind }, 'submit refused for now; will retry');
            },
          },
        );
        return true;
      } catch (error) {
        // The service went down before this submit left (nothing sent): wait for it, then try again.
        if (!(error instanceof OutagePaused)) throw error;
        if (!(await serviceAllowsSubmit(ctx, signal))) return false;
      }
    }
  } catch (error) {
    if (!(error instanceof ApiError)) {
      // p-retry throws its signal's reason after a call that succeeded: a submit accepted while submitting
      // stopped (the breaker, an empty balance) has its paid id recorded and must still be polled and saved.
      if (isStop(error)) return charge.settled.kind === 'accepted';
      throw error;
    }
    await recordRefusal(ctx, item, error);
    return false;
  } finally {
    budget.settle(hold, charge.settled);
  }
}

/** Waits until the outage guard lets a submit leave; false when the run stopped or gave up waiting. */
async function serviceAllowsSubmit(ctx: RunContext, signal: AbortSignal): Promise<boolean> {
  try {
    return await ctx.outage.untilSubmitAllowed(signal);
  } catch (error) {
    if (isStop(error)) return false;
    throw error;
  }
}

/** How a submit ended for the budget (budget.ts settles the hold with it). */
type Settled = Parameters<Budget['settle']>[1];

/**
 * One attempt: wait for the request-rate window, journal the intent (with a new entry in the job's attempt
 * history) durably, send, and journal the answer durably. Sets `charge.settled` to what the budget must count.
 */
async function attemptSubmit(ctx: RunContext, item: WorkItem, charge: { settled: Settled }, body: SubmitRequest): Promise<void> {
  const { store } = item.target;
  const job = store.job(item.id)!;
  const estimate = job.estimated_credits;
  const history = [...attemptsOf(job), newAttempt(estimate)];
  let intent = false;
  let entered = false;
  let sentAt = 0;
  try {
    // Waits for the request-rate window; a stop while waiting drops it (never sent, nothing journaled).
    const accepted = await ctx.rate.schedule(async () => {
      if (ctx.control.submitsStopped) throw new SubmitsStopped();
      // The service looks down, or submits are ramping up after an outage: not sent (OutagePaused).
      ctx.outage.enterSubmit();
      entered = true;
      // The intent is durable immediately before the bytes leave, never before a wait: a kill while this
      // submit waited for the window or a backoff leaves the job `pending`, not `unknown`.
      await store.update(item.id, { status: 'submitting', attempts: job.attempts + 1, submits: history, error: null }, { durable: true });
      intent = true;
      crashPoint('submit-intent');
      // Ctrl+C during that fdatasync: nothing has left yet. Nor if another submit just found the service down.
      if (ctx.control.submitsStopped) throw new SubmitsStopped();
      if (ctx.outage.isDown) throw new OutagePaused();
      sentAt = Date.now();
      return ctx.client.submit(body, ctx.control.wire.signal);
    }, ctx.control.submits.signal).then(
      // Told at once (before the answer is journaled): an unknown outcome stops the other submits now.
      (answer) => {
        if (entered) ctx.outage.leaveSubmit();
        return answer;
      },
      (error: unknown) => {
        if (entered) ctx.outage.leaveSubmit(error);
        throw error;
      },
    );
    // The service started the generation somewhere between the send and the answer: the poll schedule counts
    // from the middle, not from the answer (a slow answer would make every check late by its latency).
    const submittedAt = new Date((sentAt + Date.now()) / 2).toISOString();
    crashPoint('submit-answered');
    charge.settled = { kind: 'accepted', credits: accepted.credits };
    // Recorded inside the attempt: whatever happens next (an abort, a crash), the paid id is on disk.
    await recordAnswer(ctx, item, accepted.videoId, {
      status: 'submitted',
      video_id: accepted.videoId,
      credits: (job.credits ?? 0) + accepted.credits,
      submits: withLast(history, { outcome: 'accepted', video_id: accepted.videoId, credits: accepted.credits, request_id: accepted.requestId ?? null }),
      submitted_at: submittedAt,
      finished_at: null,
      error: null,
    });
    ctx.logger.info({ job: item.id, videoId: accepted.videoId, credits: accepted.credits }, 'submitted');
  } catch (error) {
    const requestId = error instanceof ApiError ? (error.requestId ?? null) : null;
    if (error instanceof ApiError && error.kind === 'outcome-unknown') {
      charge.settled = { kind: 'unknown' }; // it may have been charged: the budget assumes so
      await store.update(item.id, { status: 'unknown', submits: withLast(history, { outcome: 'unknown', request_id: requestId }), error: errorOf(error) }, { durable: true, answer: true });
      ctx.logger.warn({ job: item.id, code: error.code }, 'submit outcome unknown: held, not resubmitted');
      if (error.stopsRun) {
        ctx.logger.error({ job: item.id, code: error.code }, 'the API endpoint looks wrong (check the base URL): stopping the run');
        ctx.control.stopAll('account-refused');
      }
    } else if ((error instanceof ApiError || isStop(error) || error instanceof OutagePaused) && intent) {
      // Refused, or stopped before it was sent: nothing was charged, so the job is back to pending —
      // durably, or a kill now would leave `submitting` on disk and hold a job never charged as unknown.
      await store.update(
        item.id,
        { status: 'pending', submits: withLast(history, { outcome: 'refused', request_id: requestId }), ...(error instanceof ApiError ? { error: errorOf(error) } : {}) },
        { durable: true, answer: true }, // an answer too: left `submitting`, the next run would hold it as unknown
      );
    }
    throw error;
  }
}

/** The intent of one more submit, before its bytes leave. */
function newAttempt(estimate: number): SubmitAttempt {
  return { at: new Date().toISOString(), outcome: 'submitting', video_id: null, credits: null, estimated_credits: estimate, credits_refunded: 0, request_id: null };
}

/** The history with its last attempt (the one in flight) updated. */
function withLast(history: readonly SubmitAttempt[], patch: Partial<SubmitAttempt>): SubmitAttempt[] {
  return [...history.slice(0, -1), { ...history[history.length - 1]!, ...patch }];
}

/** The final answer to a submit that was not accepted. */
async function recordRefusal(ctx: RunContext, item: WorkItem, error: ApiError): Promise<void> {
  const { store } = item.target;
  const id = item.id;
  switch (error.kind) {
    case 'outcome-unknown':
      return; // recorded inside the attempt
    case 'moderated':
      await store.update(id, { status: 'moderated', error: errorOf(error), finished_at: new Date().toISOString() });
      ctx.breaker.record('moderated', errorOf(error));
      ctx.logger.warn({ job: id, code: error.code }, 'prompt refused by moderation at submit (not charged)');
      return;
    case 'account-refused':
      await store.update(id, { status: 'pending', error: errorOf(error) });
      ctx.logger.error({ job: id, code: error.code }, 'the service refused the account: stopping the run');
      ctx.control.stopAll('account-refused');
      return;
    case 'insufficient-balance':
      await store.update(id, { status: 'skipped', error: errorOf(error) });
      ctx.logger.error({ job: id, code: error.code }, 'the account is out of credits: no more submits');
      ctx.control.stopSubmits('insufficient-balance');
      return;
    case 'invalid-request':
    case 'not-found':
    case 'image-expired': // refused for its image ids twice: the second, fresh upload did not help
      await store.update(id, { status: 'failed', error: errorOf(error), finished_at: new Date().toISOString() });
      ctx.breaker.record('failed', errorOf(error));
      ctx.logger.error({ job: id, code: error.code }, 'submit refused for this job');
      return;
    default:
      // Retryable, and retries (or the wait for the account's limit) ran out: never charged, tried next run.
      await store.update(id, { status: 'pending', error: { code: error.code, message: `gave up after retries: ${error.message}` } });
      ctx.logger.warn({ job: id, code: error.code }, 'submit kept failing; left pending for the next run');
  }
}

/** Tries to make a paid answer durable after the journal refused it: this many snapshots, the waits doubling. */
const RECORD_RETRIES = 5;
const RECORD_FIRST_WAIT_MS = 250;

/**
 * Writes the answer to a paid submit. A paid video's id is never only in memory: if the journal refuses the line
 * (disk full, I/O error), submitting stops at once and the whole ledger is rewritten (snapshot: a new file, then
 * the journal emptied) a bounded number of times; if that still fails, a PaidNotRecordedError carries the ids.
 */
async function recordAnswer(ctx: RunContext, item: WorkItem, videoId: string, patch: LedgerPatch): Promise<void> {
  const { store, outDir } = item.target;
  let failure: unknown;
  try {
    await store.update(item.id, patch, { durable: true, answer: true });
    if (store.reserveDrawn && !ctx.control.submitsStopped) {
      // Written into the space kept for it: the disk is full, and the rest is for the submits still on the wire.
      ctx.logger.error({ job: item.id, videoId, out: outDir }, 'the disk is full: a paid answer was written into the space kept for it; no more submits');
      ctx.control.stopSubmits('internal');
    }
    return;
  } catch (error) {
    failure = error;
  }
  ctx.control.stopSubmits('internal');
  ctx.logger.error({ job: item.id, videoId, err: failure }, 'could not record a paid video id; no more submits, trying again');
  for (let retry = 0; retry < RECORD_RETRIES; retry++) {
    await sleep(RECORD_FIRST_WAIT_MS * 2 ** retry * Math.min(1, ctx.timeScale));
    try {
      await store.snapshot(); // the job's record in memory already holds the answer
      ctx.logger.warn({ job: item.id, videoId }, 'paid video id recorded after all');
      return;
    } catch (error) {
      failure = error;
    }
  }
  throw new PaidNotRecordedError([{ outDir, jobId: item.id, videoId, file: store.job(item.id)!.file }], failure);
}
