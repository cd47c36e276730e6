import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../errors/paiwo-error.js';
import { diskFullPoint } from '../util/crash-point.js';
import { computeTotals, type Ledger } from './ledger-types.js';

/** The snapshot as people and other tools read it: totals recomputed from the jobs, never stored apart. */
export function serializeLedger(ledger: Ledger): string {
  const out: Ledger = {
    version: 1,
    journal_seq: ledger.journal_seq ?? 0,
    ...(ledger.service !== undefined && { service: ledger.service }),
    jobs: ledger.jobs,
    totals: computeTotals(ledger.jobs),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/**
 * Write to a temp file in the same folder, fsync it, rename over the target, fsync the folder: after a crash the
 * file is either the old snapshot or the new one, never a mix.
 */
export async function writeFileAtomic(path: string, text: string, beforeRename?: () => void): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  // A leftover (or planted link) of that name goes first; `wx` never opens through a link.
  await unlink(tmp).catch(() => undefined);
  const fh = await open(tmp, 'wx', 0o666);
  try {
    diskFullPoint('snapshot');
    await fh.writeFile(text);
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

/** `null` when the file does not exist. */
export async function readLedgerSnapshot(path: string): Promise<Ledger | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let value: Partial<Ledger>;
  try {
    value = JSON.parse(text) as Partial<Ledger>;
  } catch (error) {
    throw new UserError('LEDGER_CORRUPT', `${path} is not valid JSON (${(error as Error).message}); it is written atomically, so it was edited by hand or by another tool`);
  }
  if (value?.version !== 1 || !Array.isArray(value.jobs)) {
    throw new UserError('LEDGER_CORRUPT', `${path} is not a version 1 paiwo-batch ledger`);
  }
  return {
    version: 1,
    journal_seq: typeof value.journal_seq === 'number' ? value.journal_seq : 0,
    ...(typeof value.service === 'string' && { service: value.service }),
    jobs: value.jobs,
    totals: computeTotals(value.jobs),
  };
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
