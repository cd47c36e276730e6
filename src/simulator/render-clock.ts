/**
 * The rehearsal's clock of simulated time: the machine's monotonic clock, stopped while the simulator is held
 * back by the machine — while at least one generation is due to end but its take is not rendered yet. A
 * rehearsal's runner counts its deadlines (job timeout, how long throttled submits wait) on it, so a machine
 * that cannot render as fast as the time-scale asks makes the rehearsal slower, never makes it give up.
 * A real run never sees this clock.
 */
export class RenderClock {
  private held = 0;
  private heldSince = 0;
  private stopped = 0;

  constructor(private readonly mono: () => number = () => performance.now()) {}

  /** Simulated ms since an arbitrary origin; never goes back. */
  now(): number {
    const t = this.mono();
    return t - this.stopped - (this.held > 0 ? t - this.heldSince : 0);
  }

  /** Whether the clock is stopped now (a take is overdue). */
  get waiting(): boolean {
    return this.held > 0;
  }

  /** Stops the clock until `done` settles (counted once however many are overdue at a time). */
  holdUntil(done: Promise<unknown>): void {
    if (this.held++ === 0) this.heldSince = this.mono();
    const release = (): void => {
      if (--this.held === 0) this.stopped += this.mono() - this.heldSince;
    };
    done.then(release, release);
  }
}
