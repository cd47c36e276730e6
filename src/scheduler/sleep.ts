import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) {
    signal?.throwIfAborted();
    return;
  }
  await delay(ms, undefined, signal ? { signal } : undefined);
}

/** A factor in [1 − spread, 1 + spread]: spreads retries of many jobs so they do not arrive together. */
export function jitter(spread = 0.2): number {
  return 1 - spread + Math.random() * 2 * spread;
}
