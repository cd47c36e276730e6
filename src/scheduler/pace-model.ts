/**
 * What this run has learned about the service's pace. Each generation that ends gives one observation of
 * `ratio = true generation time ÷ the table's expected time` (src/model/generation-time.ts): normalising by the
 * table makes every price class (quality, duration, audio) one population. The poller only knows an interval:
 * the job was NOT done at the last check that said "generating" and WAS done at the check that said "done"; the
 * ratio is placed inside it by `endWithin`. When the very first check already found it done, only an upper bound
 * is known; when most jobs are found so, the service is faster than the model and the bound is shrunk.
 *
 * The model, in log space: a level (after a warm-up that also counts the jobs still running, an exponentially
 * weighted mean, so it follows a service that speeds up or slows down during the run), plus an offset per price
 * class (the table's proportions between classes are a guess too; shrunk towards 0 while a class has few
 * completions), times a spread: the last `window` errors of the predictions jobs were planned with, whose
 * smoothed distribution check-plan.ts turns into check times (they also carry the level's lag behind a drift, so
 * the spread covers it). Until PRIOR_FADE errors are held, the prior (a wide range around the table) widens it.
 */
import { planChecks, type CheckPlan } from './check-plan.js';
import { censoredMedian, RunningJobs } from './running-jobs.js';

/** Prediction errors kept for the spread. */
export const PACE_WINDOW = 64;
/**
 * Weight of the newest observation in the level: the mean of the first 1 / LEVEL_WEIGHT completions, then ~ the
 * last 1 / LEVEL_WEIGHT count most. Small, because the level's noise widens every prediction; a drift only makes
 * it lag, and the lag shows in the prediction errors the plan is made from, so checks still meet the jobs.
 */
export const LEVEL_WEIGHT = 0.05;
/** Weight of the tracking signal's means, and how much of it is noise (never moves the level faster). */
const TRACKING_WEIGHT = 0.15;
const TRACKING_FREE = 0.4;
/** The weight with which a class's offset follows its completions, after its first 1 / CLASS_WEIGHT. */
const CLASS_WEIGHT = 0.05;
/** The first observations only place the level (their errors are not kept). */
export const MIN_OBSERVED = 4;
/** Below this many errors held, the prior's points are mixed in, narrowing as they come. */
const PRIOR_FADE = 16;
/** The prior before any completion: the table is a guess, the real pace may be anywhere around it. */
export const PRIOR_RATIOS: readonly number[] = [0.55, 0.75, 1, 1.25, 1.5];
/**
 * A done-at-first-check observation only bounds the time from above. The plan expects a few (its first check sits
 * in the low tail): those are taken like any other, inside (0, that check]. When most recent completions are
 * (more than FIRST_HITS_COMMON), the service is faster than the model: the time counts at UPPER_BOUND_SHRINK of
 * that check (moving the level, not the spread), so the next first checks come earlier until they find jobs still
 * generating again. The bar is high on purpose: shrunk bounds taken from a merely unlucky run of early ends would
 * pull the level down, and so bring more of them.
 */
export const UPPER_BOUND_SHRINK = 0.7;
const FIRST_HITS_COMMON = 0.5;
const FIRST_HITS_WEIGHT = 0.15;
/** One observation moves the level by at most this (in log): a stuck straggler does not drag the whole run. */
const MAX_LEVEL_STEP = 0.5;
/** A class's offset counts n ÷ (n + CLASS_SHRINK) of what its n completions showed. */
const CLASS_SHRINK = 16;
/**
 * The warm-up: until this many completions — and at least as many as jobs running — the level is the median of
 * the completions together with the running jobs' ages (running-jobs.ts), not their mean: the first completions
 * are the run's fastest generations.
 */
const WARM_UP = 8;
/** The plan is worked out again after this many completions (at every one of the first ones). */
const REPLAN_EVERY = 16;

const PRIOR_ERRORS = PRIOR_RATIOS.map(Math.log);

export class PaceModel {
  private readonly errors: Float64Array;
  private count = 0;
  private held = 0;
  /** Recent mean and mean size of the level's errors (the tracking signal of `levelWeight`). */
  private trend = 0;
  private size = 0;
  private next = 0;
  /** log of the typical ratio now. */
  private level = 0;
  /** Recent share of completions seen done at their first check (weighted like the level). */
  private firstHits = 0;
  private readonly classes = new Map<string, { offset: number; n: number }>();
  private sorted: number[] | null = null;
  /** The jobs being polled now (their ages bound the warm-up's estimate from below). */
  readonly running = new RunningJobs();
  /** Completions of the warm-up (log ratio less the class offset). */
  private readonly warmEnds: number[] = [];
  private warmedUp = false;
  private planned: { plan: CheckPlan; at: number } | null = null;

  constructor(readonly window = PACE_WINDOW) {
    this.errors = new Float64Array(window);
  }

  /**
   * True until the warm-up is over. A job planned during it was planned from a level still learning, later
   * refreshed from its own wave's ends: its error says nothing of the spread, so it is not kept (`observe`).
   */
  get warmingUp(): boolean {
    return !this.warmedUp;
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
   * @param priceClass the job's price class (`paceClassOf`): classes may keep their own offset from the table
   * @param planned the ratio `typical()` predicted when the job's checks were planned: the spread is of the
   *   errors of those predictions, since those are what the checks were placed by (the level may have moved since);
   *   `null`: the job was planned during the warm-up, its end teaches the level but is no sample of the spread
   */
  observe(expectedMs: number, notDoneMs: number | null, doneMs: number, priceClass = '', planned?: number | null): void {
    if (!(expectedMs > 0) || !(doneMs > 0)) return;
    this.firstHits += FIRST_HITS_WEIGHT * ((notDoneMs === null ? 1 : 0) - this.firstHits);
    const offset = this.offsetOf(priceClass);
    const predicted = planned !== undefined && planned !== null && planned > 0 ? Math.log(planned) : this.level + offset;
    const common = this.count < MIN_OBSERVED || this.firstHits > FIRST_HITS_COMMON;
    const bound = notDoneMs === null && common;
    const x = bound ? Math.log((doneMs * UPPER_BOUND_SHRINK) / expectedMs) : this.endWithin((notDoneMs ?? 0) / expectedMs, doneMs / expectedMs, predicted);
    // The first few only place the level: their errors (against a level that knew nothing yet) would widen the
    // spread for a whole window. A shrunk bound moves the level but is no sample of the spread either.
    if (this.count >= MIN_OBSERVED && !bound && planned !== null) {
      this.errors[this.next] = x - predicted;
      this.next = (this.next + 1) % this.window;
      this.held++;
    }
    this.count++;
    if (this.warmingUp) {
      this.warmEnds.push(x - offset);
      this.learnOffset(priceClass, x);
      this.level = censoredMedian(this.warmEnds, this.running.ages((c) => this.offsetOf(c)));
      if (this.count >= Math.max(WARM_UP, this.running.size)) {
        this.warmEnds.length = 0;
        this.warmedUp = true;
      }
    } else {
      const error = x - offset - this.level;
      this.level += this.levelWeight(error) * Math.max(-MAX_LEVEL_STEP, Math.min(MAX_LEVEL_STEP, error));
      this.learnOffset(priceClass, x);
    }
    this.sorted = null;
  }

  /**
   * How far the level moves toward an observation: the mean of the first ones, then LEVEL_WEIGHT — more while the
   * errors keep one sign (a tracking signal: their recent mean against their recent size), so a service that
   * slows down or speeds up fast is followed within a few completions, and noise alone barely moves the level.
   */
  private levelWeight(error: number): number {
    this.trend += TRACKING_WEIGHT * (error - this.trend);
    this.size += TRACKING_WEIGHT * (Math.abs(error) - this.size);
    const signal = this.size > 0 ? Math.abs(this.trend) / this.size : 0;
    return Math.max(1 / this.count, LEVEL_WEIGHT + Math.max(0, signal - TRACKING_FREE));
  }

  /**
   * When a generation ended (log ratio) that was still running at ratio `a` (0: not checked before) and done by
   * `b`: the median of what the model expects inside that interval, mixed half and half with an even spread over
   * it. Not the middle alone: where checks were far apart (the low tail, where the plan saves checks) most of the
   * mass lies near the interval's end, and the middle would invent early generations that pull the next plans'
   * first checks earlier still. Not the model alone either: a stretch the model wrongly thinks empty would keep
   * every generation that ends there recorded at its end, and never be learned.
   */
  private endWithin(a: number, b: number, predicted: number): number {
    const hi = Math.log(b);
    const lo = a > 0 ? Math.log(Math.min(a, b)) : hi + Math.log(UPPER_BOUND_SHRINK);
    if (this.count < MIN_OBSERVED || !(hi > lo)) return (lo + hi) / 2;
    const s = this.sortedErrors();
    const below = cdfOf(s, lo - predicted);
    const inside = cdfOf(s, hi - predicted) - below;
    const share = (e: number) => (inside > 0 ? (0.5 * (cdfOf(s, e - predicted) - below)) / inside : 0.5 * ((e - lo) / (hi - lo))) + 0.5 * ((e - lo) / (hi - lo));
    let from = lo;
    let to = hi;
    for (let k = 0; k < 30; k++) {
      const mid = (from + to) / 2;
      if (share(mid) < 0.5) from = mid;
      else to = mid;
    }
    return (from + to) / 2;
  }

  /**
   * A class's offset follows what its completions show beside the level; the offsets are kept centred (their
   * mean, weighted by completions, is 0) so that what all classes share — a drift — goes to the level, which
   * every class and every new class reads.
   */
  private learnOffset(priceClass: string, x: number): void {
    const own = this.classes.get(priceClass) ?? { offset: 0, n: 0 };
    own.n++;
    own.offset += (x - this.level - own.offset) * Math.max(1 / own.n, CLASS_WEIGHT);
    this.classes.set(priceClass, own);
    let sum = 0;
    let n = 0;
    for (const c of this.classes.values()) {
      sum += c.offset * c.n;
      n += c.n;
    }
    // Centring moves what they share to the level: every prediction stays what it was.
    for (const c of this.classes.values()) c.offset -= sum / n;
    this.level += sum / n;
  }

  /** The predicted ratio (true ÷ table) of a job of this class submitted now: what the plan's points multiply. */
  typical(priceClass = ''): number {
    return Math.exp(this.level + this.offsetOf(priceClass));
  }

  /** The q-quantile (0..1) of the ratio for a job submitted now. */
  quantile(q: number, priceClass = ''): number {
    return this.typical(priceClass) * Math.exp(quantileOf(this.sortedErrors(), q));
  }

  /** The share of generations done by `ratio` × their expected time (the empirical distribution function). */
  doneShare(ratio: number, priceClass = ''): number {
    if (!(ratio > 0)) return 0;
    const s = this.sortedErrors();
    const e = Math.log(ratio / this.typical(priceClass));
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! <= e) lo = mid + 1;
      else hi = mid;
    }
    return lo / s.length;
  }

  /**
   * The check times (check-plan.ts) as factors of `typical()`: worked out again at every one of the first
   * REPLAN_EVERY completions, then after every REPLAN_EVERY more (the spread changes slowly; the level, which
   * follows a drift, is applied at each read).
   */
  plan(): CheckPlan {
    const stale = !this.planned || (this.planned.at !== this.count && (this.count <= REPLAN_EVERY || this.count - this.planned.at >= REPLAN_EVERY));
    if (stale) this.planned = { plan: planChecks(this.sortedErrors()), at: this.count };
    return this.planned!.plan;
  }

  private offsetOf(priceClass: string): number {
    const c = this.classes.get(priceClass);
    return c ? (c.offset * c.n) / (c.n + CLASS_SHRINK) : 0;
  }

  private sortedErrors(): number[] {
    if (this.sorted) return this.sorted;
    const held = Math.min(this.held, this.window);
    const values = Array.from(this.errors.subarray(0, held));
    // No completion yet: the prior's full width; a few: a narrower prior beside what they showed, fading as they
    // come, so that four alike completions do not make a plan of three checks.
    if (held < PRIOR_FADE) values.push(...PRIOR_ERRORS.map((e) => e * (1 - held / PRIOR_FADE)));
    this.sorted = values.sort((a, b) => a - b);
    return this.sorted;
  }
}

/** The q-quantile of sorted values, linear between them (value i sits at i ÷ (n − 1)). */
function quantileOf(s: readonly number[], q: number): number {
  const pos = Math.min(1, Math.max(0, q)) * (s.length - 1);
  const i = Math.floor(pos);
  return i + 1 < s.length ? s[i]! + (s[i + 1]! - s[i]!) * (pos - i) : s[i]!;
}

/** The inverse of `quantileOf`: the share of sorted values below `e`, linear between them. */
function cdfOf(s: readonly number[], e: number): number {
  if (s.length < 2) return e < (s[0] ?? 0) ? 0 : 1;
  if (e <= s[0]!) return 0;
  if (e >= s[s.length - 1]!) return 1;
  let lo = 0;
  let hi = s.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (s[mid]! <= e) lo = mid;
    else hi = mid;
  }
  const width = s[hi]! - s[lo]!;
  return (lo + (width > 0 ? (e - s[lo]!) / width : 0)) / (s.length - 1);
}

/** The price class a job's pace is learned for: what makes its generation longer (quality, seconds, sound). */
export function paceClassOf(request: { quality: string; duration: number; generate_audio_switch?: boolean | undefined }): string {
  return `${request.quality}/${request.duration}/${request.generate_audio_switch === true ? 'a' : '-'}`;
}
