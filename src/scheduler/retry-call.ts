import pRetry, { AbortError } from 'p-retry';
import { ApiError } from '../api/api-error.js';
import { jitter, sleep } from './sleep.js';

export interface RetryCallOptions {
  /** Retries of an ordinary transient failure (the manifest's `retries`). */
  readonly retries: number;
  /** Multiplies every wait (backoff and Retry-After alike). */
  readonly timeScale: number;
  readonly signal?: AbortSignal;
  /**
   * How long (unscaled ms) "the service is at its limit" answers may keep a call waiting; they do not use up
   * `retries`, since they say nothing about the request itself. @default 600_000
   */
  readonly maxThrottledMs?: number;
  /**
   * The clock `maxThrottledMs` is counted on (ms). Without it p-retry counts it on the machine's clock; a
   * rehearsal passes its simulated time. @default none
   */
  readonly clock?: () => number;
  /** First backoff, unscaled. @default 1000 */
  readonly minBackoffMs?: number;
  /** Longest backoff, unscaled. @default 30_000 */
  readonly maxBackoffMs?: number;
  /** Told of every 429 / 500044 (to lower the generation slots). */
  readonly onThrottled?: (error: ApiError) => void;
  /** Told of every failed attempt that will be tried again. */
  readonly onRetry?: (error: ApiError, attempt: number) => void | Promise<void>;
}

function isThrottle(error: unknown): boolean {
  return error instanceof ApiError && (error.kind === 'rate-limited' || error.kind === 'concurrency-limit');
}

/**
 * Runs one API call with p-retry: the error's `retryable` (from its kind, decided once in api-error.ts) says
 * whether to try again — the others become p-retry's AbortError and reject at once. Exponential backoff with
 * jitter; a Retry-After is waited out first; 429/500044 are waited out with their own backoff without using up
 * retries. Anything that is not an ApiError (an abort, a disk error) is never retried.
 */
export function retryCall<T>(call: (attempt: number) => Promise<T>, options: RetryCallOptions): Promise<T> {
  const ts = options.timeScale;
  const minBackoff = (options.minBackoffMs ?? 1_000) * ts;
  const maxBackoff = (options.maxBackoffMs ?? 30_000) * ts;
  let throttled = 0;
  const maxRetryMs = (options.maxThrottledMs ?? 600_000) * ts;
  const { clock } = options;
  const started = clock?.();
  return pRetry(
    async (attempt) => {
      try {
        return await call(attempt);
      } catch (error) {
        if (error instanceof ApiError && !error.retryable) throw new AbortError(error);
        throw error;
      }
    },
    {
      retries: options.retries,
      factor: 2,
      minTimeout: minBackoff,
      maxTimeout: maxBackoff,
      randomize: true,
      // With a clock of its own the limit is checked below, on that clock.
      maxRetryTime: clock ? Number.POSITIVE_INFINITY : maxRetryMs,
      ...(options.signal ? { signal: options.signal } : {}),
      shouldConsumeRetry: ({ error }) => !isThrottle(error),
      shouldRetry: ({ error }) => error instanceof ApiError && error.retryable && (!clock || clock() - started! < maxRetryMs),
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (!(error instanceof ApiError) || !error.retryable) return;
        if (isThrottle(error)) {
          options.onThrottled?.(error);
          // p-retry adds no delay for a failure that does not consume a retry: the whole wait is here.
          const backoff = Math.min(maxBackoff, minBackoff * 2 ** Math.min(throttled++, 10)) * jitter();
          await sleep(Math.max((error.retryAfterMs ?? 0) * ts, backoff), options.signal);
        } else {
          if (retriesLeft <= 0) return;
          // p-retry's own backoff follows this wait.
          if (error.retryAfterMs !== undefined) await sleep(error.retryAfterMs * ts, options.signal);
        }
        await options.onRetry?.(error, attemptNumber);
      },
    },
  );
}
