/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): tiny, fast and identical on every platform. One home for it:
 * the manifest's `{random: N, base: B}` seeds and the simulator's replayable decisions both draw from it.
 * Returns unsigned 32-bit integers.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
