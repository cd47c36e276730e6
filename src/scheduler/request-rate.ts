import PQueue from 'p-queue';

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
   */
  async schedule<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    return this.queue ? this.queue.add(call, signal ? { signal } : {}) : call();
  }
}
