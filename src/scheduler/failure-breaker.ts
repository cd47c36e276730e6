import type { LedgerError } from '../ledger/types.js';
import { silentLogger, type Logger } from '../util/logger.js';

/** `run.failure_breaker` after flags. */
export interface BreakerSettings {
  /** Jobs that must have finished in this run before the breaker may trip. */
  readonly minFinished: number;
  /** How many of the most recently finished jobs it looks at. */
  readonly window: number;
  /** Share (0..1] of those that must have failed (or been moderated) for it to trip. */
  readonly rate: number;
}

export const DEFAULT_BREAKER: BreakerSettings = { minFinished: 10, window: 20, rate: 0.8 };

/** How a finished job counts: moderation apart from failures (it is refunded), both can trip the breaker. */
export type FinishedAs = 'succeeded' | 'failed' | 'moderated';

/** Why the breaker tripped, for the summary, `--json` and the step summary. */
export interface BreakerTrip {
  /** `failed`: the service failed most recent jobs; `moderated`: it refused most recent prompts. */
  readonly kind: 'failed' | 'moderated';
  /** Jobs finished in this run when it tripped. */
  readonly finished: number;
  /** Of the last `looked_at` finished jobs, how many ended this way. */
  readonly count: number;
  readonly looked_at: number;
  /** The most frequent error among them (code, one message, how many had it). */
  readonly common_error: { readonly code: string; readonly message: string; readonly count: number } | null;
  /** One sentence: why submitting stopped. */
  readonly message: string;
}

interface Entry {
  readonly as: FinishedAs;
  readonly error: LedgerError | null;
}

/**
 * The failure-rate breaker (issue 21): a service that fails every job is paid for every job unless someone
 * stops submitting. After at least `minFinished` jobs finished, when `rate` of the last `window` failed — or
 * were moderated, counted apart since moderation is refunded — `onTrip` is called once (the run stops submitting
 * and ends with exit 5). Jobs already generating are still polled and saved.
 */
export class FailureBreaker {
  private readonly recent: Entry[] = [];
  private finished = 0;
  private trip: BreakerTrip | null = null;

  constructor(
    private readonly settings: BreakerSettings | null,
    private readonly onTrip: (trip: BreakerTrip) => void,
    private readonly logger: Logger = silentLogger,
  ) {}

  get tripped(): BreakerTrip | null {
    return this.trip;
  }

  /** A job of this run reached the end of its generation (or was refused for good at submit). */
  record(as: FinishedAs, error: LedgerError | null = null): void {
    const s = this.settings;
    this.finished++;
    if (s === null || this.trip !== null) return;
    this.recent.push({ as, error });
    if (this.recent.length > s.window) this.recent.shift();
    if (this.finished < s.minFinished) return;
    for (const kind of ['failed', 'moderated'] as const) {
      const hits = this.recent.filter((e) => e.as === kind);
      if (hits.length > 0 && hits.length >= s.rate * this.recent.length) {
        this.trip = tripOf(kind, hits, this.recent.length, this.finished);
        this.logger.error({ kind, count: hits.length, looked_at: this.recent.length, common_error: this.trip.common_error }, this.trip.message);
        this.onTrip(this.trip);
        return;
      }
    }
  }
}

function tripOf(kind: 'failed' | 'moderated', hits: readonly Entry[], lookedAt: number, finished: number): BreakerTrip {
  const byCode = new Map<string, { code: string; message: string; count: number }>();
  for (const h of hits) {
    if (!h.error) continue;
    const code = String(h.error.code);
    const seen = byCode.get(code);
    if (seen) seen.count++;
    else byCode.set(code, { code, message: h.error.message, count: 1 });
  }
  const common = [...byCode.values()].sort((a, b) => b.count - a.count)[0] ?? null;
  const what = kind === 'failed' ? 'failed' : 'were refused by moderation';
  const why = kind === 'failed' ? 'the service seems to fail every job' : 'the prompts seem to be refused systematically (check them)';
  const message =
    `stopped submitting: ${hits.length} of the last ${lookedAt} finished jobs ${what} — ${why}` +
    (common ? `; common error ${common.code} (${common.count}×): ${common.message}` : '');
  return { kind, finished, count: hits.length, looked_at: lookedAt, common_error: common, message };
}
