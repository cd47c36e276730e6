import { ApiError } from '../api/api-error.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { answeredByContract, clock, IMPOSSIBLE_VIDEO_ID, OutagePaused, type OutageRecord } from './outage-record.js';
import { jitter, sleep } from './sleep.js';

export { answeredByContract, guardedFreeCall, IMPOSSIBLE_VIDEO_ID, OutagePaused, RESUMES_AFTER_OUTAGE, type OutageRecord } from './outage-record.js';

export interface OutageGuardOptions {
  readonly timeScale: number;
  /** Longest wait for one outage to end (unscaled ms; `run.outage_wait`). Past it submitting stops for good. */
  readonly maxWaitMs: number;
  /** The account's concurrency: after an outage, submits ramp back up to it one accepted submit at a time. */
  readonly concurrency: number;
  /**
   * One call that cannot charge: `paiwo-get` of an id no service issues (IMPOSSIBLE_VIDEO_ID), not of a video of
   * the run, so one video whose answers are broken never passes for an outage. Resolves or rejects with the
   * ApiError the client classified; an answer in the contract's JSON (ErrCode 500008, any ErrCode, a gateway
   * 401/403/429) means the gateway is back.
   */
  readonly probe: (videoId: string) => Promise<unknown>;
  /** The run gave up waiting: stop submitting (RunControl). */
  readonly onGiveUp: () => void;
  /** Told when an outage begins, ends or is given up (the live display prints it). */
  readonly onNotice?: (text: string) => void;
  readonly logger?: Logger;
  /** Fetches failing in a row (no call answered in between) that mean "the service may be down". @default 3 */
  readonly failedFetches?: number;
  /** First wait before a probe (unscaled ms). @default 2000 */
  readonly firstProbeMs?: number;
  /** Longest wait between probes (unscaled ms). @default 60_000 */
  readonly maxProbeMs?: number;
}

interface Outage {
  readonly since: number;
  readonly cause: string;
  probes: number;
  nextProbeAt: number | null;
  unknown: number;
}

/**
 * Outages in a row without proof that submits work again: it ends at an accepted submit (or, if no submit was
 * lost to it, at the first answer). A free probe proves the gateway answers, not that a submit would be taken:
 * when the first submit after a recovery (the canary) ends unknown too, the next probe waits longer, and after
 * MAX_FAILED_CANARIES the run stops submitting. `outage_wait` counts from the incident's start.
 */
interface Incident {
  readonly since: number;
  unknown: number;
  failedCanaries: number;
  /** Recovered, and no submit accepted since: the next unknown submit is a failed canary. */
  recovered: boolean;
}

/** Submits sent after a recovery that ended unknown again before the run stops submitting for good. */
export const MAX_FAILED_CANARIES = 3;

/**
 * "The service may be down" (issue 21). An unknown-outcome submit (an HTML 5xx, a 500/503/504, a timeout, a reset
 * after the body left) or a run of failed fetches opens an outage: no new submit leaves (those on the wire end as
 * they end), pollers wait instead of burning their retries, and only free calls probe the gateway, with a
 * doubling backoff (× time-scale), until it answers as the contract says. Then submits resume one at a time,
 * one more per accepted submit, back to the account's concurrency. An outage longer than `maxWaitMs` ends the
 * wait for good: submitting stops (jobs never sent stay `pending`) and pollers leave their jobs `submitted`.
 */
export class OutageGuard {
  readonly history: OutageRecord[] = [];
  private readonly options: OutageGuardOptions;
  private readonly logger: Logger;
  private readonly stop = new AbortController();
  private current: Outage | null = null;
  private incident: Incident | null = null;
  private gaveUpValue = false;
  private failedInRow = 0;
  private onWireCount = 0;
  /** Submits allowed on the wire at once: unlimited, except while ramping up after an outage. */
  private ramp = Infinity;
  private waiters = new Set<() => void>();
  private capTimer: NodeJS.Timeout | null = null;

  constructor(options: OutageGuardOptions) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
  }

  /** Down now, or given up: nothing should be sent but probes. */
  get isDown(): boolean {
    return this.current !== null || this.gaveUpValue;
  }

  get gaveUp(): boolean {
    return this.gaveUpValue;
  }

  /** Submits sent and not answered yet. */
  get onWire(): number {
    return this.onWireCount;
  }

  /** What the live display says while the service is down; null while it answers. */
  describe(now = Date.now()): string | null {
    const o = this.current;
    if (o === null) return null;
    const next = o.nextProbeAt === null ? 'probing now' : `next in ${Math.max(0, Math.round((o.nextProbeAt - now) / 1000))} s`;
    const unknown = o.unknown + this.onWireCount;
    return `service unreachable since ${clock(o.since)} — ${o.probes} probe${o.probes === 1 ? '' : 's'}, ${next}${unknown > 0 ? `; ${unknown} job${unknown === 1 ? '' : 's'} on the wire may be unknown` : ''}`;
  }

  /** Waits until a submit may leave (the service answers and the ramp has room); false once the run gave up. */
  async untilSubmitAllowed(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (this.gaveUpValue) return false;
      if (this.current === null && this.onWireCount < this.ramp) return true;
      await this.changed(signal);
    }
  }

  /** Waits while the service is down; false once the run gave up. */
  async untilUp(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (this.gaveUpValue) return false;
      if (this.current === null) return true;
      await this.changed(signal);
    }
  }

  /** Immediately before a submit's bytes leave: counts it on the wire, or throws OutagePaused (nothing sent). */
  enterSubmit(): void {
    if (this.isDown || this.onWireCount >= this.ramp) throw new OutagePaused();
    this.onWireCount++;
  }

  /** A submit entered with `enterSubmit` ended: accepted (`error` undefined) or failed. */
  leaveSubmit(error?: unknown): void {
    this.onWireCount--;
    if (error === undefined) {
      this.answered();
      // A submit was taken: submits work again (one that was on the wire when an outage opened ends nothing).
      if (this.current === null) this.incident = null;
      if (this.ramp !== Infinity) this.ramp = this.ramp + 1 >= this.options.concurrency ? Infinity : this.ramp + 1;
    } else if (error instanceof ApiError) {
      if (error.kind === 'outcome-unknown' && !error.stopsRun && error.errCode !== 0) this.open(`submit: ${error.code}`, 1);
      else if (answeredByContract(error)) this.answered();
      else this.failed(`submit: ${error.code}`);
    }
    this.notify();
  }

  /** Immediately before a fetch leaves: throws OutagePaused while the service is down (probes do not come here). */
  checkFetch(): void {
    if (this.isDown) throw new OutagePaused();
  }

  /** A fetch ended: answered (`error` undefined, or an ApiError in the contract's JSON) or failed. */
  fetchEnded(error?: unknown): void {
    if (error === undefined || (error instanceof ApiError && answeredByContract(error))) this.answered();
    else if (error instanceof ApiError) this.failed(`fetch: ${error.code}`);
  }

  /**
   * A paid video's check used up its retries on failures that say nothing of the video (5xx, resets, timeouts):
   * before it is left for the next run, the gateway is probed as in an outage (opened now if none is).
   */
  suspect(cause: string): void {
    this.open(cause, 0);
  }

  /** The run is over: probes stop, a lasting outage is recorded as such. */
  close(): void {
    if (this.current) this.finish('run-ended');
    this.stop.abort();
    this.notify();
  }

  private answered(): void {
    this.failedInRow = 0;
    // Only fetches failed: an answer after the recovery is proof enough.
    if (this.current === null && this.incident?.recovered && this.incident.unknown === 0) this.incident = null;
  }

  private failed(cause: string): void {
    if (++this.failedInRow >= (this.options.failedFetches ?? 3)) this.open(cause, 0);
  }

  /** Opens an outage (or adds an unknown submit to the one open). */
  private open(cause: string, unknown: number): void {
    if (this.gaveUpValue) return;
    if (this.current) {
      this.current.unknown += unknown;
      if (this.incident) this.incident.unknown += unknown;
      return;
    }
    const now = Date.now();
    const incident = (this.incident ??= { since: now, unknown: 0, failedCanaries: 0, recovered: false });
    if (unknown > 0 && incident.recovered) incident.failedCanaries++;
    incident.recovered = false;
    incident.unknown += unknown;
    // Submits still on the wire are counted once they end unknown (leaveSubmit); describe() adds those still out.
    const outage: Outage = { since: now, cause, probes: 0, nextProbeAt: null, unknown };
    this.current = outage;
    this.failedInRow = 0;
    if (incident.failedCanaries >= MAX_FAILED_CANARIES) {
      this.giveUp(outage, `submits kept failing (${cause}) although the gateway answered free calls: ${incident.failedCanaries} tries after it seemed back`);
      return;
    }
    const waitMs = Math.max(0, incident.since + this.options.maxWaitMs * this.options.timeScale - now);
    this.logger.warn({ cause, on_wire: this.onWireCount, outage_wait_left_ms: Math.round(waitMs), failed_canaries: incident.failedCanaries }, 'the service may be down: no new submits; probing with free calls');
    this.options.onNotice?.(`${this.describe()} (${cause}); no new submits until it answers`);
    this.capTimer = setTimeout(() => this.giveUp(outage), waitMs);
    this.capTimer.unref();
    this.notify();
    void this.probeLoop(outage, incident.failedCanaries);
  }

  /**
   * Probes until the gateway answers. After `failedCanaries` submits that were lost although a probe had found it
   * back, the first probe waits the longest backoff × 2^(failedCanaries − 1): a probe cannot see the submit path.
   */
  private async probeLoop(outage: Outage, failedCanaries: number): Promise<void> {
    const ts = this.options.timeScale;
    const max = this.options.maxProbeMs ?? 60_000;
    let wait = failedCanaries > 0 ? max * 2 ** (failedCanaries - 1) : (this.options.firstProbeMs ?? 2_000);
    while (this.current === outage) {
      const ms = wait * ts * jitter(0.1);
      outage.nextProbeAt = Date.now() + ms;
      try {
        await sleep(ms, this.stop.signal);
      } catch {
        return;
      }
      if (this.current !== outage) return;
      outage.nextProbeAt = null;
      outage.probes++;
      const back = await this.probeOnce();
      if (this.current !== outage) return;
      if (back) {
        this.recover(outage);
        return;
      }
      this.logger.info({ probes: outage.probes, next_ms: Math.round(Math.min(max, wait * 2) * ts) }, 'the service is still down');
      wait = Math.max(Math.min(max, wait * 2), wait);
    }
  }

  private async probeOnce(): Promise<boolean> {
    try {
      await this.options.probe(IMPOSSIBLE_VIDEO_ID);
      return true;
    } catch (error) {
      return error instanceof ApiError && answeredByContract(error);
    }
  }

  private recover(outage: Outage): void {
    this.finish('recovered');
    if (this.incident) this.incident.recovered = true;
    // One submit at a time first: if the gateway falls over again, at most one more is unknown.
    this.ramp = this.options.concurrency > 1 ? 1 : Infinity;
    const seconds = ((Date.now() - outage.since) / 1000).toFixed(1);
    this.logger.warn({ since: new Date(outage.since).toISOString(), probes: outage.probes, unknown: outage.unknown }, 'the service answers again: submitting resumes');
    this.options.onNotice?.(`service answers again after ${seconds} s (${outage.probes} probe${outage.probes === 1 ? '' : 's'}): submitting resumes`);
  }

  private giveUp(outage: Outage, why?: string): void {
    if (this.current !== outage) return;
    const since = this.incident?.since ?? outage.since;
    const reason = why ?? `service unreachable since ${clock(since)} for longer than outage_wait (${Math.round((this.options.maxWaitMs * this.options.timeScale) / 1000)} s, ${outage.probes} probes)`;
    this.finish('gave-up', why);
    this.gaveUpValue = true;
    const text = `${reason}: no more submits; jobs never sent stay pending for the next run`;
    this.logger.error({ since: new Date(since).toISOString(), probes: outage.probes }, text);
    this.options.onNotice?.(text);
    this.options.onGiveUp();
  }

  private finish(ended: NonNullable<OutageRecord['ended']>, why?: string): void {
    const o = this.current!;
    this.history.push({ since: new Date(o.since).toISOString(), until: new Date().toISOString(), cause: o.cause, probes: o.probes, unknown: o.unknown, ended, ...(why !== undefined && { why }) });
    this.current = null;
    if (this.capTimer) clearTimeout(this.capTimer);
    this.capTimer = null;
    this.notify();
  }

  private changed(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const done = () => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters.delete(done);
        reject(signal.reason);
      };
      this.waiters.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

