/**
 * What a rerun checks of the videos already saved, at the cost of a few syscalls in flight instead of one at a
 * time: a rerun of a finished 10,000-job folder spent most of its wall time waiting on 20,000 sequential
 * stat/unlink round trips through the thread pool.
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { resolveOutputPath } from '../manifest/safe-file-name.js';

/**
 * A job's file inside the output folder, or undefined when its name (from the ledger) would lead out of it.
 * Manifest names never do (safe-file-name.ts makes them); a ledger edited by hand might.
 */
export function outputPathOf(outDir: string, file: string): string | undefined {
  try {
    return resolveOutputPath(outDir, file);
  } catch {
    return undefined;
  }
}

/** How many stats are in flight at once (the thread pool has 4 threads; more keeps it busy, not the loop). */
const AT_ONCE = 32;

/** Each path's size, or null when it is missing or not readable. */
export async function fileSizes(paths: readonly string[]): Promise<Map<string, number | null>> {
  const sizes = new Map<string, number | null>();
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const path = paths[next++]!;
      sizes.set(path, await stat(path).then((s) => s.size, () => null));
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, paths.length) }, worker));
  return sizes;
}

/** Removes `<file>.part` leftovers of earlier interrupted downloads next to these files: one readdir per folder. */
export async function removeLeftoverParts(paths: readonly string[]): Promise<void> {
  const byDir = new Map<string, Set<string>>();
  for (const path of paths) {
    const dir = dirname(path);
    let names = byDir.get(dir);
    if (!names) byDir.set(dir, (names = new Set()));
    names.add(basename(path));
  }
  for (const [dir, names] of byDir) {
    const entries = await readdir(dir).catch(() => [] as string[]);
    const leftovers = entries.filter((name) => name.endsWith('.part') && names.has(name.slice(0, -'.part'.length)));
    await Promise.all(leftovers.map((name) => unlink(join(dir, name)).catch(() => undefined)));
  }
}
