import type { PollSettings } from '../manifest/types.js';
import type { SubmitRequest } from '../model/capabilities.js';
import { expectedGenerationMs } from '../model/generation-time.js';
import { PaceModel, paceClassOf } from './pace-model.js';

/**
 * Two checks of one job are never closer than this share of its predicted time (a job's check times are taken
 * again from a newer plan as completions come, and a new point may fall just after the last check).
 */
export const MIN_GAP = 0.01;
/**
 * Past the plan's last point (the model underrated the tail, or the service is slowing down) the step grows
 * slowly from the plan's last step, by BACKOFF_FACTOR per check up to TAIL_STEPS × that step, until TAIL_END × the
 * plan's end; only then (a straggler, a stuck generation) does it grow to `maxIntervalMs`.
 */
export const BACKOFF_FACTOR = 1.15;
export const TAIL_STEPS = 3;
export const TAIL_END = 2;

/** With an explicit `initial_delay`, the interval grows by this factor after each check. */
export const FIXED_BACKOFF_FACTOR = 1.5;

/**
 * When to check a generating job: all in the service's (unscaled) ms since its submit; the poller multiplies by
 * the time scale. The check times are the run's plan (check-plan.ts, from what `PaceModel` learned) times this
 * job's predicted time (the table's, × the pace learned for its price class), taken again each time the run has
 * seen twice as many completions (`checkTimes`), so the first jobs follow what the first completions teach. With
 * `initialDelayMs` the user fixes the schedule instead: the first check then, then every `intervalMs` growing to
 * `maxIntervalMs`.
 */
export class PollSchedule {
  readonly expectedMs: number;
  readonly priceClass: string;
  private afterPlan = 0;
  private snapshot: { times: Float64Array; scale: number; seen: number } | null = null;
  private unwatchFn: (() => void) | null = null;
  /** First planned during the pace model's warm-up (see `PaceModel.warmingUp`). */
  private plannedWarm = false;

  constructor(
    request: Pick<SubmitRequest, 'quality' | 'aspect_ratio' | 'duration' | 'generate_audio_switch'>,
    private readonly settings: PollSettings,
    private readonly pace: PaceModel = new PaceModel(),
  ) {
    this.expectedMs = expectedGenerationMs(request);
    this.priceClass = paceClassOf(request);
  }

  /** Delay before the first check, given how long ago the job was submitted (resumed jobs may be due now). */
  firstDelay(sinceSubmitMs = 0): number {
    const first = this.settings.initialDelayMs ?? this.checkTimes()[0]!;
    return Math.max(0, first - sinceSubmitMs);
  }

  /** Delay before the next check, given the time since submit when the last check answered "not yet". */
  nextDelay(sinceSubmitMs: number): number {
    const { intervalMs, maxIntervalMs, initialDelayMs } = this.settings;
    if (initialDelayMs !== undefined) {
      // The user fixed the schedule: every `interval`, growing to `max_interval`.
      return Math.max(1, Math.min(maxIntervalMs, intervalMs * FIXED_BACKOFF_FACTOR ** this.afterPlan++));
    }
    const times = this.checkTimes();
    const soonest = sinceSubmitMs + MIN_GAP * this.snapshot!.scale;
    const at = times.find((t) => t >= soonest);
    if (at !== undefined) {
      this.afterPlan = 0;
      return Math.max(1, at - sinceSubmitMs);
    }
    const end = times.at(-1)!;
    const step = Math.max(MIN_GAP * this.snapshot!.scale, times.length > 1 ? end - times.at(-2)! : 0);
    this.afterPlan++;
    const cap = sinceSubmitMs < TAIL_END * end ? TAIL_STEPS * step : Math.max(maxIntervalMs, step);
    return Math.max(1, Math.min(cap, step * BACKOFF_FACTOR ** this.afterPlan));
  }

  /**
   * Tells the pace model this job is generating, `sinceSubmitMs` its age (service ms) at any moment, until it is
   * seen done (`seenDone`) or `unwatch` is called; only for a job watched from its submit.
   */
  watch(sinceSubmitMs: () => number): void {
    this.unwatch();
    this.unwatchFn = this.pace.running.add({ sinceSubmitMs, expectedMs: this.expectedMs, priceClass: this.priceClass });
  }

  unwatch(): void {
    this.unwatchFn?.();
    this.unwatchFn = null;
  }

  /** The job was seen done: the pace model learns when it ended (after `notDoneMs`, by `doneMs`). */
  seenDone(notDoneMs: number | null, doneMs: number): void {
    this.unwatch();
    const planned = this.plannedWarm ? null : this.snapshot ? this.snapshot.scale / this.expectedMs : undefined;
    this.pace.observe(this.expectedMs, notDoneMs, doneMs, this.priceClass, planned);
  }

  /** How likely the job is done by now: the fetch priority when checks are rationed. */
  doneShare(sinceSubmitMs: number): number {
    return this.pace.doneShare(sinceSubmitMs / this.expectedMs, this.priceClass);
  }

  /**
   * This job's check times (ms since its submit): the plan × its predicted time, taken when it is first asked and
   * again each time the run has seen twice as many completions. A job keeps its times between, so a plan worked out
   * again does not move a check next to one just made: early jobs still learn from the first completions, and later
   * ones were planned from what the run knew at their submit.
   */
  private checkTimes(): Float64Array {
    const seen = this.pace.observed;
    if (!this.snapshot) this.plannedWarm = this.pace.warmingUp;
    if (!this.snapshot || seen > 2 * this.snapshot.seen) {
      const scale = this.pace.typical(this.priceClass) * this.expectedMs;
      this.snapshot = { times: this.pace.plan().points.map((p) => p * scale), scale, seen };
    }
    return this.snapshot.times;
  }
}
