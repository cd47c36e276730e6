import type { PollSettings } from '../manifest/types.js';
import type { SubmitRequest } from '../model/capabilities.js';
import { expectedGenerationMs } from '../model/generation-time.js';

/** The earliest a generation ends, as a fraction of the expected time (the service's jitter is ±15 %). */
export const EARLIEST_END = 0.85;
/** Until this fraction of the expected time, checks come every WINDOW_STEP × expected: short, where it ends. */
export const WINDOW_END = 1.2;
export const WINDOW_STEP = 0.05;
/**
 * The first check is one step after the earliest end, not at it: a check at 0.85 × expected would almost never
 * find the video done, and it would cost one more fetch per job for nothing (4.3 → 3.4 fetches per job in
 * `npm run bench:run`, with the same detection delay: half a step on average).
 */
export const FIRST_POLL_AT = EARLIEST_END + WINDOW_STEP;
/** After the window the interval grows by this factor up to `maxIntervalMs`. */
export const BACKOFF_FACTOR = 1.5;

/**
 * When to check a generating job again: the first check near the expected generation time for its quality and
 * duration, then short steps through the window where it usually ends, then `intervalMs` growing to
 * `maxIntervalMs`. All in unscaled milliseconds (the poller multiplies by the time-scale).
 */
export class PollSchedule {
  readonly expectedMs: number;
  private readonly firstMs: number;
  private afterWindow = 0;

  constructor(
    request: Pick<SubmitRequest, 'quality' | 'aspect_ratio' | 'duration' | 'generate_audio_switch'>,
    private readonly settings: PollSettings,
  ) {
    this.expectedMs = expectedGenerationMs(request);
    this.firstMs = settings.initialDelayMs ?? FIRST_POLL_AT * this.expectedMs;
  }

  /** Delay before the first check, given how long ago the job was submitted (resumed jobs may be due now). */
  firstDelay(sinceSubmitMs = 0): number {
    return Math.max(0, this.firstMs - sinceSubmitMs);
  }

  /** Delay before the next check, given the time since submit when the last check answered "not yet". */
  nextDelay(sinceSubmitMs: number): number {
    const { intervalMs, maxIntervalMs } = this.settings;
    if (sinceSubmitMs < WINDOW_END * this.expectedMs) return Math.min(intervalMs, WINDOW_STEP * this.expectedMs);
    const step = Math.min(maxIntervalMs, intervalMs * BACKOFF_FACTOR ** this.afterWindow);
    this.afterWindow++;
    return Math.max(step, 1);
  }
}
