import { lstatSync, statSync, type Stats } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Stats between two turns of the event loop (a signal or a timer waits at most one chunk). */
const CHUNK = 2000;

/**
 * The stats of many paths (null where a path is missing or unreadable), in order. Synchronous stats in chunks:
 * a rerun checks every saved video and poster, and 100,000 `stat`s took 0.6 s this way against 3.2 s through the
 * thread pool with 32 in flight (each async call pays a promise, a thread hop and, when missing, an Error).
 * `link`: do not follow a final symbolic link (lstat).
 */
export async function statMany(paths: readonly string[], options: { readonly link?: boolean } = {}): Promise<(Stats | null)[]> {
  const stat = options.link ? lstatSync : statSync;
  const out: (Stats | null)[] = new Array(paths.length);
  for (let i = 0; i < paths.length; i++) {
    if (i > 0 && i % CHUNK === 0) await nextTurn();
    try {
      out[i] = stat(paths[i]!, { throwIfNoEntry: false }) ?? null;
    } catch {
      out[i] = null;
    }
  }
  return out;
}
