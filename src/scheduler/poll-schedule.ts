import type { PollSettings } from '../manifest/types.js';
import type { SubmitRequest } from '../model/capabilities.js';
import { expectedGenerationMs } from '../model/generation-time.js';
import { PaceModel } from './pace-model.js';

/** The first check goes at this quantile of the learned completion times: few jobs are done before it. */
export const FIRST_CHECK_QUANTILE = 0.03;
/** The window where generations end: from the first check to this quantile (× WINDOW_MARGIN). */
export const WINDOW_END_QUANTILE = 0.97;
export const WINDOW_MARGIN = 1.05;
/**
 * Checks inside the window: a typical job (one that ends at the median) meets about this many steps after the
 * first check, so a wide spread gets longer steps and a tight one shorter ones …
 */
export const STEPS_TO_MEDIAN = 6;
/**
 * … but never closer than MIN_STEP nor further apart than MAX_STEP × the median time. The detection delay is
 * half a step on average and the fetches one per step a job lives through the window: 0.06 × the median keeps
 * the delay near 3 % of the generation time; 0.03 keeps a tight service from being polled for nothing.
 */
export const MIN_STEP = 0.03;
export const MAX_STEP = 0.06;
/**
 * Past the window (the model underrated the tail, or the service is slowing down) the step grows slowly, by
 * BACKOFF_FACTOR per check up to TAIL_STEPS × the step, until TAIL_END × the window's end; only then (a straggler,
 * a stuck generation) does it grow to `maxIntervalMs`.
 */
export const BACKOFF_FACTOR = 1.15;
export const TAIL_STEPS = 3;
export const TAIL_END = 2;

/** With an explicit `initial_delay`, the interval grows by this factor after each check. */
export const FIXED_BACKOFF_FACTOR = 1.5;

/**
 * When to check a generating job: all in the service's (unscaled) ms since its submit; the poller multiplies by
 * the time scale. Every answer reads the run's `PaceModel` at that moment, so the schedule of a job already
 * polling follows what later completions teach. With `initialDelayMs` the user fixes the schedule instead: the
 * first check then, then every `intervalMs` growing to `maxIntervalMs` (nothing learned).
 */
export class PollSchedule {
  readonly expectedMs: number;
  private afterWindow = 0;

  constructor(
    request: Pick<SubmitRequest, 'quality' | 'aspect_ratio' | 'duration' | 'generate_audio_switch'>,
    private readonly settings: PollSettings,
    private readonly pace: PaceModel = new PaceModel(),
  ) {
    this.expectedMs = expectedGenerationMs(request);
  }

  /** Delay before the first check, given how long ago the job was submitted (resumed jobs may be due now). */
  firstDelay(sinceSubmitMs = 0): number {
    const first = this.settings.initialDelayMs ?? this.pace.quantile(FIRST_CHECK_QUANTILE) * this.expectedMs;
    return Math.max(0, first - sinceSubmitMs);
  }

  /** Delay before the next check, given the time since submit when the last check answered "not yet". */
  nextDelay(sinceSubmitMs: number): number {
    const { intervalMs, maxIntervalMs, initialDelayMs } = this.settings;
    if (initialDelayMs !== undefined) {
      // The user fixed the schedule: every `interval`, growing to `max_interval`.
      return Math.max(1, Math.min(maxIntervalMs, intervalMs * FIXED_BACKOFF_FACTOR ** this.afterWindow++));
    }
    const step = this.stepMs();
    const windowEnd = this.pace.quantile(WINDOW_END_QUANTILE) * WINDOW_MARGIN * this.expectedMs;
    if (sinceSubmitMs < windowEnd) {
      this.afterWindow = 0;
      return Math.max(1, Math.min(step, windowEnd - sinceSubmitMs + 1));
    }
    this.afterWindow++;
    const cap = sinceSubmitMs < TAIL_END * windowEnd ? TAIL_STEPS * step : Math.max(maxIntervalMs, step);
    return Math.max(1, Math.min(cap, step * BACKOFF_FACTOR ** this.afterWindow));
  }

  /** How likely the job is done by now: the fetch priority when checks are rationed. */
  doneShare(sinceSubmitMs: number): number {
    return this.pace.doneShare(sinceSubmitMs / this.expectedMs);
  }

  private stepMs(): number {
    const lo = this.pace.quantile(FIRST_CHECK_QUANTILE);
    const median = this.pace.quantile(0.5);
    const ratio = Math.min(MAX_STEP * median, Math.max(MIN_STEP * median, (median - lo) / STEPS_TO_MEDIAN));
    return ratio * this.expectedMs;
  }
}
