import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { diskFullPoint } from '../util/crash-point.js';
import { parseLedger } from './format.js';
import type { Ledger } from './types.js';

/**
 * Write to a temp file in the same folder, fsync it, rename over the target, fsync the folder: after a crash the
 * file is either the old snapshot or the new one, never a mix. `text` may come in pieces (written in order).
 */
export async function writeFileAtomic(path: string, text: string | Iterable<string>, beforeRename?: () => void): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  // A leftover (or planted link) of that name goes first; `wx` never opens through a link.
  await unlink(tmp).catch(() => undefined);
  const fh = await open(tmp, 'wx', 0o666);
  try {
    diskFullPoint('snapshot');
    if (typeof text === 'string') await fh.writeFile(text);
    else for (const piece of text) await fh.writeFile(piece);
    await fh.datasync();
  } catch (error) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await fh.close();
  beforeRename?.();
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (error) {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
    if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await fh?.close();
  }
}

/** `null` when the file does not exist; a damaged one is a UserError (ledger/format.ts). */
export async function readLedgerSnapshot(path: string): Promise<Ledger | null> {
  const text = await readTextIfPresent(path);
  return text === null ? null : parseLedger(text, path);
}

/** A file's text, or `null` when it does not exist (any other failure is thrown). */
export async function readTextIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Removes temporary files a killed runner left in an output folder (`ledger.json.tmp-<pid>`, the report's
 * `report.html.*.tmp`): later runs use other names, so nobody else would. Only with the folder's lock held.
 */
export async function removeStaleTemps(outDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(outDir)) {
    if (/^ledger\.json\.tmp-\d+$/.test(name) || /^report\.html\..+\.tmp$/.test(name)) {
      await unlink(join(outDir, name)).catch(() => undefined);
      removed.push(name);
    }
  }
  return removed;
}
