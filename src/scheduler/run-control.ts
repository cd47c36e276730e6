import { setMaxListeners } from 'node:events';

/** Why a run stopped submitting early. */
export type StopReason =
  | 'interrupted'
  | 'account-refused'
  | 'insufficient-balance'
  | 'internal'
  /** The service stayed unreachable longer than `outage_wait` (outage-guard.ts). */
  | 'outage'
  /** Most recently finished jobs failed (failure-breaker.ts). */
  | 'failure-rate';

/**
 * The run's brakes. Submitting stops first (no new charge after an account-wide refusal, a short balance or
 * Ctrl+C); `work` aborts polls, fetches and downloads (nothing there costs money); `wire` aborts submits still on
 * the wire, only after a grace period so their answers — video ids already paid for — get recorded.
 */
export class RunControl {
  /** Aborted the moment submitting stops: submits still waiting (the request-rate queue) are dropped. */
  readonly submits = new AbortController();
  readonly work = new AbortController();
  readonly wire = new AbortController();
  constructor() {
    // Every sleep, fetch and download of the run listens on these: hundreds at once is normal, not a leak.
    setMaxListeners(0, this.submits.signal, this.work.signal, this.wire.signal);
  }
  private reasons = new Set<StopReason>();
  private graceTimer: NodeJS.Timeout | null = null;

  get submitsStopped(): boolean {
    return this.reasons.size > 0;
  }

  has(reason: StopReason): boolean {
    return this.reasons.has(reason);
  }

  get stopReasons(): readonly StopReason[] {
    return [...this.reasons];
  }

  stopSubmits(reason: StopReason): void {
    this.reasons.add(reason);
    if (!this.submits.signal.aborted) this.submits.abort(new RunStopped(reason));
  }

  /** Stops submitting and aborts polls and downloads (the account is refused, or the runner itself failed). */
  stopAll(reason: StopReason): void {
    this.stopSubmits(reason);
    if (!this.work.signal.aborted) this.work.abort(new RunStopped(reason));
  }

  /** Ctrl+C / SIGTERM / SIGHUP: like stopAll, and submits on the wire are abandoned after `graceMs`. */
  interrupt(graceMs: number): void {
    this.stopAll('interrupted');
    if (this.graceTimer || this.wire.signal.aborted) return;
    this.graceTimer = setTimeout(() => this.wire.abort(new RunStopped('interrupted')), graceMs);
    this.graceTimer.unref();
  }

  close(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
  }
}

/** The abort reason of a stopped run: not an error of the job it interrupts. */
export class RunStopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`run stopped: ${reason}`);
    this.name = 'RunStopped';
  }
}
