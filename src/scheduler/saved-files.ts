/** What a rerun checks of the videos already saved: their sizes (util/stat-many) and `.part` leftovers. */
import { readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { resolveOutputPath } from '../manifest/safe-file-name.js';
import { fileSize, statMany } from '../util/stat-many.js';

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

/** Each path's size, or null when it is missing or not a readable file. */
export async function fileSizes(paths: readonly string[]): Promise<Map<string, number | null>> {
  const sizes = await statMany(paths, fileSize);
  return new Map(paths.map((path, i) => [path, sizes[i]!]));
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
