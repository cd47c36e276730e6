/**
 * What this run has learned about the service's pace. Each generation that ends gives one observation of
 * `ratio = true generation time ÷ the table's expected time` (src/model/generation-time.ts): normalising by the
 * table makes every price class (quality, duration, audio) one population. The poller only knows an interval:
 * the job was NOT done at the last check that said "generating" and WAS done at the check that said "done", so
 * the ratio is taken at the middle of that interval. When the very first check already found it done, only an
 * upper bound is known (the service is faster than we guessed): the ratio is taken well below it, so the next
 * first checks come earlier until they find jobs still generating again.
 *
 * The model, in log space: a level (an exponentially weighted mean, so it follows a service that speeds up or
 * slows down during the run) times a spread (the last `window` prediction errors of that level, whose empirical
 * quantiles give the tails; errors measured against the level before it learned the observation also carry the
 * level's lag behind a drift, so the tails cover it). Before MIN_OBSERVED completions, the prior (a wide range
 * around the table) widens the spread.
 */

/** Prediction errors kept for the spread. */
export const PACE_WINDOW = 24;
/** Weight of the newest observation in the level: ~ the last 1 / LEVEL_WEIGHT completions count most. */
export const LEVEL_WEIGHT = 0.15;
/** Below this many observations, the prior's points are mixed in. */
export const MIN_OBSERVED = 4;
/** The prior before any completion: the table is a guess, the real pace may be anywhere around it. */
export const PRIOR_RATIOS: readonly number[] = [0.55, 0.75, 1, 1.25, 1.5];
/** A done-at-first-check observation counts as this share of the time of that check. */
export const UPPER_BOUND_SHRINK = 0.7;
/** One observation moves the level by at most this (in log): a stuck straggler does not drag the whole run. */
const MAX_LEVEL_STEP = 0.5;

const PRIOR_ERRORS = PRIOR_RATIOS.map(Math.log);

export class PaceModel {
  private readonly errors: Float64Array;
  private count = 0;
  private next = 0;
  /** log of the typical ratio now. */
  private level = 0;
  private sorted: number[] | null = null;

  constructor(readonly window = PACE_WINDOW) {
    this.errors = new Float64Array(window);
  }

  /** Real observations so far. */
  get observed(): number {
    return this.count;
  }

  /**
   * One generation ended. Times are since its submit, in the service's (unscaled) ms.
   * @param expectedMs the table's expected time for the job
   * @param notDoneMs when the last check that found it still generating was sent; `null` if none did
   * @param doneMs when the check that found it done was answered
   */
  observe(expectedMs: number, notDoneMs: number | null, doneMs: number): void {
    if (!(expectedMs > 0) || !(doneMs > 0)) return;
    const at = notDoneMs === null ? doneMs * UPPER_BOUND_SHRINK : (Math.min(notDoneMs, doneMs) + doneMs) / 2;
    const x = Math.log(at / expectedMs);
    if (this.count === 0) this.level = x;
    const error = x - this.level;
    this.errors[this.next] = error;
    this.next = (this.next + 1) % this.window;
    this.count++;
    this.level += LEVEL_WEIGHT * Math.max(-MAX_LEVEL_STEP, Math.min(MAX_LEVEL_STEP, error));
    this.sorted = null;
  }

  /** The q-quantile (0..1) of the ratio for a job submitted now. */
  quantile(q: number): number {
    const s = this.sortedErrors();
    const pos = Math.min(1, Math.max(0, q)) * (s.length - 1);
    const i = Math.floor(pos);
    const e = i + 1 < s.length ? s[i]! + (s[i + 1]! - s[i]!) * (pos - i) : s[i]!;
    return Math.exp(this.level + e);
  }

  /** The share of generations done by `ratio` × their expected time (the empirical distribution function). */
  doneShare(ratio: number): number {
    if (!(ratio > 0)) return 0;
    const s = this.sortedErrors();
    const e = Math.log(ratio) - this.level;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! <= e) lo = mid + 1;
      else hi = mid;
    }
    return lo / s.length;
  }

  private sortedErrors(): number[] {
    if (this.sorted) return this.sorted;
    const held = Math.min(this.count, this.window);
    const values = Array.from(this.errors.subarray(0, held));
    // No completion yet: the prior's full width; a few: half of it, beside what they showed.
    if (held < MIN_OBSERVED) values.push(...PRIOR_ERRORS.map((e) => (held === 0 ? e : e / 2)));
    this.sorted = values.sort((a, b) => a - b);
    return this.sorted;
  }
}
