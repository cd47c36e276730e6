import { ApiError } from '../api/api-error.js';
import { attemptsOf } from '../results/ledger-money.js';
import type { LedgerError, SubmitAttempt } from '../results/ledger-types.js';
import { crashPoint } from '../util/crash-point.js';
import { retryCall } from './retry-call.js';
import { RunStopped } from './run-control.js';
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
  const estimate = job.estimated_credits;
  const hold = await budget.reserve(job.request, estimate);
  if (hold === null) {
    await store.update(item.id, { status: 'skipped', error: { code: 'BUDGET', message: `over budget: ${budget.describe(job.request, estimate)}` } });
    ctx.logger.info({ job: item.id, estimate }, 'skipped: over the max_credits budget');
    return false;
  }
  let settled: Parameters<typeof budget.settle>[1] = { kind: 'refused' };
  try {
    await retryCall(
      async () => {
        if (ctx.control.submitsStopped) throw new SubmitsStopped();
        const history = [...attemptsOf(job), newAttempt(estimate)];
        await store.update(item.id, { status: 'submitting', attempts: job.attempts + 1, submits: history, error: null }, { durable: true });
        crashPoint('submit-intent');
        try {
          const accepted = await ctx.rate.schedule(() => ctx.client.submit(job.request, ctx.control.wire.signal));
          crashPoint('submit-answered');
          settled = { kind: 'accepted', credits: accepted.credits };
          // Recorded inside the attempt: whatever happens next (an abort, a crash), the paid id is on disk.
          await store.update(item.id, {
            status: 'submitted',
            video_id: accepted.videoId,
            credits: (job.credits ?? 0) + accepted.credits,
            submits: withLast(history, { outcome: 'accepted', video_id: accepted.videoId, credits: accepted.credits, request_id: accepted.requestId ?? null }),
            submitted_at: new Date().toISOString(),
            finished_at: null,
            error: null,
          }, { durable: true });
          ctx.logger.info({ job: item.id, videoId: accepted.videoId, credits: accepted.credits }, 'submitted');
        } catch (error) {
          const requestId = error instanceof ApiError ? (error.requestId ?? null) : null;
          if (error instanceof ApiError && error.kind === 'outcome-unknown') {
            settled = { kind: 'unknown' }; // it may have been charged: the budget assumes so
            await store.update(item.id, { status: 'unknown', submits: withLast(history, { outcome: 'unknown', request_id: requestId }), error: errorOf(error) }, { durable: true });
            ctx.logger.warn({ job: item.id, code: error.code }, 'submit outcome unknown: held, not resubmitted');
          } else if (error instanceof ApiError || isStop(error)) {
            // Refused, or aborted before it was sent: nothing was charged, so the job is back to pending.
            await store.update(item.id, {
              status: 'pending',
              submits: withLast(history, { outcome: 'refused', request_id: requestId }),
              ...(error instanceof ApiError ? { error: errorOf(error) } : {}),
            });
          }
          throw error;
        }
      },
      {
        retries: item.settings.retries,
        timeScale: ctx.timeScale,
        signal: ctx.control.work.signal,
        maxThrottledMs: item.settings.jobTimeoutMs,
        onThrottled: () => ctx.slots.throttle(ctx.generating),
        onRetry: (error, attempt) => {
          ctx.logger.info({ job: item.id, attempt, code: error.code, kind: error.kind }, 'submit refused for now; will retry');
        },
      },
    );
    return true;
  } catch (error) {
    if (!(error instanceof ApiError)) {
      if (isStop(error)) return false;
      throw error;
    }
    await recordRefusal(ctx, item, error);
    return false;
  } finally {
    budget.settle(hold, settled);
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
      await store.update(id, { status: 'failed', error: errorOf(error), finished_at: new Date().toISOString() });
      ctx.logger.error({ job: id, code: error.code }, 'submit refused for this job');
      return;
    default:
      // Retryable, and retries (or the wait for the account's limit) ran out: never charged, tried next run.
      await store.update(id, { status: 'pending', error: { code: error.code, message: `gave up after retries: ${error.message}` } });
      ctx.logger.warn({ job: id, code: error.code }, 'submit kept failing; left pending for the next run');
  }
}
