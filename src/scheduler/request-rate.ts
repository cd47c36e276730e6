import PQueue from 'p-queue';

/** A submit fills a free slot: it goes before any check. */
export const SUBMIT_PRIORITY = 1001;

/** A check's priority from the share (0..1) of generations done by its job's age: 0..1000. */
export function checkPriority(doneShare: number): number {
  return Math.round(1000 * Math.min(1, Math.max(0, doneShare)));
}

/**
 * One limit for ALL API calls of a run (submits and fetches together), from `requests_per_second`. Without it,
 * calls go straight through (no queue on the hot path).
 */
export class RequestRate {
  private readonly queue: PQueue | null;

  /**
   * @param requestsPerSecond `undefined` = no client-side limit.
   * @param timeScale the window shrinks with the other client delays, so a rehearsal against a sped-up
   *   simulator keeps the same shape.
   */
  constructor(requestsPerSecond: number | undefined, timeScale = 1) {
    if (requestsPerSecond === undefined) {
      this.queue = null;
      return;
    }
    // Whole rates use a 1 s window; fractional ones (0.5 = one call every 2 s) a window of one call.
    const whole = Number.isInteger(requestsPerSecond) && requestsPerSecond >= 1;
    this.queue = new PQueue({
      intervalCap: whole ? requestsPerSecond : 1,
      interval: Math.max(1, Math.round((whole ? 1000 : 1000 / requestsPerSecond) * timeScale)),
      // Sliding window: never more than the cap in any rolling window, not just per fixed tick.
      strict: true,
    });
  }

  /**
   * Runs `call` when the window allows. Aborting `signal` drops the call if it is still waiting (it rejects with
   * the signal's reason and never runs): after Ctrl+C no waiting submit leaves.
   * @param priority higher goes first when calls wait for the window: submits (the default) ahead of every check,
   *   checks by `checkPriority` (how likely their job is done).
   */
  async schedule<T>(call: () => Promise<T>, signal?: AbortSignal, priority = SUBMIT_PRIORITY): Promise<T> {
    signal?.throwIfAborted();
    return this.queue ? this.queue.add(call, { priority, ...(signal ? { signal } : {}) }) : call();
  }
}
