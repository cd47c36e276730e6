import { SEED_MAX } from '../model/capabilities.js';
import { mulberry32 } from '../util/mulberry32.js';

/** How a manifest may give the seed axis: a list, a range, or a deterministic random draw. */
export type SeedSpec = readonly number[] | { readonly from: number; readonly count: number } | { readonly random: number; readonly base: number };

/** How many seeds a spec yields, without producing them (the job-count guard runs before expansion). */
function isList(spec: SeedSpec): spec is readonly number[] {
  return Array.isArray(spec);
}

export function seedCount(spec: SeedSpec): number {
  if (isList(spec)) return spec.length;
  return 'count' in spec ? spec.count : spec.random;
}

/** `{random: N, base: B}` always means the same N seeds: mulberry32 is identical on every platform. */
export { mulberry32 };

/**
 * The seeds of a spec. Random seeds are `next() mod 2147483647 + 1` (never 0, which would let the service
 * pick), repeated draws skipped so the N seeds are distinct.
 */
export function expandSeeds(spec: SeedSpec): number[] {
  if (isList(spec)) return [...spec];
  if ('count' in spec) return Array.from({ length: spec.count }, (_, i) => spec.from + i);
  const next = mulberry32(spec.base);
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < spec.random) {
    const seed = (next() % SEED_MAX) + 1;
    if (seen.has(seed)) continue;
    seen.add(seed);
    out.push(seed);
  }
  return out;
}
