/**
 * The simulated service's pace: how long a generation takes compared with the expected-time table
 * (src/model/generation-time.ts). Users rehearse a busy evening (`pace` 2: twice as slow), a wide spread of
 * times, or a service that slows down or speeds up during the run (`drift`). The factor of one generation is
 * `pace × drift(t) × spread draw`, fixed when it is accepted.
 */
import type { Prng } from './prng.js';

/** The default spread: ± this share of the expected time, uniform. */
export const DEFAULT_JITTER = 0.15;

export interface PaceDrift {
  /** Factor at the first accepted submit. */
  readonly from: number;
  /** Factor reached after `overMs`, then kept. */
  readonly to: number;
  /** In the service's (unscaled) ms: multiplied by the time scale like every other duration. */
  readonly overMs: number;
}

export interface PaceOptions {
  /** Multiplies every generation time: 2 = twice as slow as the table. @default 1 */
  readonly pace?: number;
  /** Each generation's factor is drawn uniformly from [low, high]. @default [0.85, 1.15] */
  readonly spread?: readonly [number, number];
  /** The pace moves linearly from `from` to `to` during the run (on top of `pace`). @default none */
  readonly drift?: PaceDrift;
}

export interface ResolvedPace {
  readonly pace: number;
  readonly spread: readonly [number, number];
  readonly drift: PaceDrift | null;
}

export function resolvePace(o: PaceOptions): ResolvedPace {
  const pace = o.pace ?? 1;
  if (!(pace > 0 && Number.isFinite(pace))) throw new RangeError(`pace must be a number greater than 0 (got ${pace})`);
  const spread = o.spread ?? [1 - DEFAULT_JITTER, 1 + DEFAULT_JITTER];
  if (!(spread[0] > 0 && spread[1] >= spread[0] && Number.isFinite(spread[1]))) {
    throw new RangeError(`pace spread must be two numbers 0 < low ≤ high (got ${spread.join('-')})`);
  }
  const drift = o.drift ?? null;
  if (drift && !(drift.from > 0 && drift.to > 0 && drift.overMs > 0 && Number.isFinite(drift.from + drift.to + drift.overMs))) {
    throw new RangeError('pace drift needs from > 0, to > 0 and a duration > 0');
  }
  return { pace, spread: [spread[0], spread[1]], drift };
}

/** The pace of one simulated account; `startedAt` is the monotonic ms of its first accepted submit. */
export class SimPace {
  private startedAt: number | null = null;

  constructor(
    private readonly config: ResolvedPace,
    private readonly timeScale: number,
  ) {}

  /** The factor (× the table's expected time) of a generation accepted at monotonic `now`. */
  factor(now: number, prng: Prng): number {
    this.startedAt ??= now;
    const [low, high] = this.config.spread;
    const drawn = low + prng.next() * (high - low);
    return this.config.pace * this.driftAt(now) * drawn;
  }

  private driftAt(now: number): number {
    const d = this.config.drift;
    if (!d) return 1;
    const share = Math.min(1, (now - (this.startedAt ?? now)) / (d.overMs * this.timeScale));
    return d.from + (d.to - d.from) * share;
  }
}

/** Parses "0.5-1.5" (a spread) — also "0.5..1.5" and "0.5,1.5". */
export function parseSpread(text: string): [number, number] {
  const m = /^\s*([\d.]+)\s*(?:-|\.\.|,)\s*([\d.]+)\s*$/.exec(text);
  const low = Number(m?.[1]);
  const high = Number(m?.[2]);
  if (!m || !(low > 0) || !(high >= low)) throw new RangeError(`expected LOW-HIGH with 0 < LOW ≤ HIGH, e.g. 0.5-1.5 (got "${text}")`);
  return [low, high];
}

/** Parses "0.6-1.8/600": from 0.6× to 1.8× over 600 s of the service's time (× the time scale). */
export function parseDrift(text: string): PaceDrift {
  const m = /^\s*([\d.]+)\s*(?:-|\.\.|,)\s*([\d.]+)\s*\/\s*([\d.]+)\s*s?\s*$/.exec(text);
  const from = Number(m?.[1]);
  const to = Number(m?.[2]);
  const seconds = Number(m?.[3]);
  if (!m || !(from > 0) || !(to > 0) || !(seconds > 0)) throw new RangeError(`expected FROM-TO/SECONDS, e.g. 0.6-1.8/600 (got "${text}")`);
  return { from, to, overMs: seconds * 1000 };
}
