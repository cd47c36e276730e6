import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) {
    signal?.throwIfAborted();
    return;
  }
  // A timer longer than 2^31-1 ms fires at once (Node warns and uses 1 ms): long waits are taken in pieces.
  for (let left = ms; left > 0; left -= MAX_TIMER_MS) await delay(Math.min(left, MAX_TIMER_MS), undefined, signal ? { signal } : undefined);
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** A factor in [1 − spread, 1 + spread]: spreads retries of many jobs so they do not arrive together. */
export function jitter(spread = 0.2): number {
  return 1 - spread + Math.random() * 2 * spread;
}
