import { mulberry32 } from '../util/mulberry32.js';

/** A seeded pseudo-random stream (mulberry32): the same seed gives the same decisions, so a run can be replayed. */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

export function createPrng(seed: number): Prng {
  const draw = mulberry32(seed);
  const next = (): number => draw() / 4294967296;
  return { next, int: (n) => Math.floor(next() * n) };
}

/**
 * Independent streams per concern (ids, generation, faults) so that switching a fault on does not change the
 * ids or seeds a replay expects.
 */
export function deriveSeed(seed: number, stream: string): number {
  let h = 2166136261 ^ (seed >>> 0);
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 16777619);
  return h >>> 0;
}
