import { appendFile, copyFile, link, mkdir, realpath, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { CommandIO } from './command-io.js';
import { EXIT } from '../errors/exit-codes.js';
import { PaiwoError, UserError } from '../errors/paiwo-error.js';
import type { LedgerJob } from '../ledger/types.js';
import { mergeLedgers, type MergeResult, type MergeSource } from './merge-ledgers.js';
import { budgetSpentOf } from '../ledger/money.js';
import { JOURNAL_FILE, LEDGER_FILE, readLedger, writeLedger } from '../ledger/store.js';
import { acquireOutputLock } from '../ledger/output-lock.js';
import { formatStatusMarkdown, summarizeLedger } from '../report/status.js';
import { writeReport } from '../report/write-report.js';
import { relativeFileUrl } from '../util/escape-html.js';
import { printable, printableLine } from '../util/printable.js';

export interface MergeOptions {
  /** The merged output folder. */
  readonly into: string;
}

export { mergeLedgers, type MergeConflict, type MergeResult, type MergeSource } from './merge-ledgers.js';

/**
 * `paiwo-batch merge <dirs...> --into <out>`: one ledger and one report from shard outputs. Refuses (exit 2,
 * nothing written) when any folder is unreadable or two records of a job conflict. A ledger already in `--into`
 * takes part like a source, so merging again is idempotent and never drops what the folder held.
 */
export async function mergeCommand(dirs: readonly string[], options: MergeOptions, io: CommandIO): Promise<number> {
  const into = options.into;
  const existing = await stat(into).catch(() => null);
  if (existing && !existing.isDirectory()) {
    throw new UserError('MERGE_INTO', `--into ${into} is a file, not a folder: merge writes a ledger, the videos and a report into a folder. Pass a new or existing folder; nothing was written.`);
  }
  const existed = existing !== null;
  // Held from before the ledger already in `into` is read until the merged one is written: a run that starts in
  // between is refused, never overwritten (the same lock a run takes).
  const lock = await acquireOutputLock(into);
  try {
    return await mergeLocked(dirs, into, io);
  } finally {
    await lock.release();
    if (!existed) await rmdir(into).catch(() => undefined); // nothing was merged into a folder this call made
  }
}

async function mergeLocked(dirs: readonly string[], into: string, io: CommandIO): Promise<number> {
  const intoHasLedger = (await exists(join(into, LEDGER_FILE))) || (await exists(join(into, JOURNAL_FILE)));
  const sourceDirs = uniqueDirs([...(intoHasLedger ? [into] : []), ...dirs]);
  const sources = await readSources(sourceDirs);

  const result = mergeLedgers(sources);
  if (result.conflicts.length > 0) {
    const lines = result.conflicts.map((c) => `  job ${c.id} in ${c.dirs[0]} and ${c.dirs[1]}: ${c.reason}`);
    throw new UserError(
      'MERGE_CONFLICT',
      `${result.conflicts.length} conflicting record${result.conflicts.length === 1 ? '' : 's'}; nothing was written:\n${lines.join('\n')}`,
    );
  }
  const files = await placeVideos(result, into);
  await writeLedger(into, result.ledger, { lockHeld: true });
  const report = await writeReport(into, result.ledger, { secrets: [io.env.DMXAPI_API_KEY] });

  // In the final job of a sharded workflow, the summary page shows the whole batch.
  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) await appendFile(summaryFile, formatStatusMarkdown(summarizeLedger(into, result.ledger), `paiwo-batch merge — ${dirs.length} folders`));

  for (const warning of result.warnings) io.stderr.write(`paiwo-batch: warning: ${printableLine(warning)}\n`);
  for (const missing of files.missing) io.stderr.write(`paiwo-batch: warning: ${printableLine(missing)}\n`);
  const t = result.ledger.totals;
  const counts = Object.entries(t.by_status).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
  io.stdout.write(
    printable([
      `merged ${dirs.length} folder${dirs.length === 1 ? '' : 's'}${intoHasLedger && !dirs.some((d) => resolve(d) === resolve(into)) ? ` and the ledger already in ${into}` : ''} into ${into}: ${t.jobs} jobs (${counts.join(', ') || 'none'})${result.duplicates > 0 ? `, ${result.duplicates} found in more than one folder` : ''}`,
      `credits: ${t.credits_spent} spent, ${t.credits_refunded} refunded${t.credits_unknown > 0 ? `, up to ${t.credits_unknown} more may have been charged (unknown outcomes)` : ''}`,
      ...manifestBudgets(result.ledger.jobs).map((b) => `budget: ${b.manifest}: ${b.spent} of max_credits ${b.maxCredits}${b.spent > b.maxCredits ? ' (OVER)' : ''}`),
      `videos: ${files.linked} linked, ${files.copied} copied, ${files.inPlace} already there`,
      `ledger: ${join(into, LEDGER_FILE)}`,
      `report: ${report}`,
      '',
    ].join('\n')),
  );
  return EXIT.ok;
}

/**
 * Each manifest's spend (what may have been charged, net of refunds: ledger/money.ts) against its whole
 * `max_credits`, across the shards merged: the budget the shards shared.
 */
function manifestBudgets(jobs: readonly LedgerJob[]): { manifest: string; spent: number; maxCredits: number }[] {
  const byManifest = new Map<string, LedgerJob[]>();
  for (const j of jobs) byManifest.set(j.manifest_name, [...(byManifest.get(j.manifest_name) ?? []), j]);
  const out: { manifest: string; spent: number; maxCredits: number }[] = [];
  for (const [manifest, list] of byManifest) {
    const budgets = list.flatMap((j) => (j.budget ? [j.budget.max_credits] : []));
    if (budgets.length > 0) out.push({ manifest, spent: budgetSpentOf(list), maxCredits: Math.min(...budgets) });
  }
  return out;
}

function uniqueDirs(dirs: readonly string[]): string[] {
  const seen = new Set<string>();
  return dirs.filter((d) => {
    const key = resolve(d);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every folder is read before anything is decided, and every unreadable one is reported at once. */
async function readSources(dirs: readonly string[]): Promise<MergeSource[]> {
  const results = await Promise.allSettled(dirs.map(async (dir) => ({ dir, ledger: await readLedger(dir) })));
  const problems = results.flatMap((r, i) => (r.status === 'rejected' ? [`  ${dirs[i]}: ${messageOf(r.reason)}`] : []));
  if (problems.length > 0) throw new UserError('MERGE_SOURCE', `cannot merge; nothing was written:\n${problems.join('\n')}`);
  return results.map((r) => (r as PromiseFulfilledResult<MergeSource>).value);
}

function messageOf(error: unknown): string {
  if (error instanceof PaiwoError) return error.message;
  const e = error as NodeJS.ErrnoException;
  return e?.code === 'ENOENT' ? 'no such folder' : String(e?.message ?? error);
}

interface PlacedVideos {
  linked: number;
  copied: number;
  inPlace: number;
  missing: string[];
}

/**
 * Puts each succeeded job's video into `into` from the folder its record came from: a hard link when the
 * folders share a filesystem (no second copy of gigabytes), else a copy; via a temporary name and a rename so a
 * crash never leaves half a video under the final name.
 */
async function placeVideos(result: MergeResult, into: string): Promise<PlacedVideos> {
  const placed: PlacedVideos = { linked: 0, copied: 0, inPlace: 0, missing: [] };
  await mkdir(into, { recursive: true });
  for (const job of result.ledger.jobs) {
    if (job.status !== 'succeeded') continue;
    const dir = result.sourceOf.get(job.id) ?? into;
    if (relativeFileUrl(job.file) === null) {
      placed.missing.push(`job ${job.id}: file path ${JSON.stringify(job.file)} leaves the output folder; not copied`);
      continue;
    }
    const from = join(dir, job.file);
    const to = join(into, job.file);
    if (resolve(from) === resolve(to)) {
      placed.inPlace++;
      continue;
    }
    const source = await stat(from).catch(() => null);
    if (!source?.isFile()) {
      placed.missing.push(`job ${job.id}: ${from} is missing; the merged report labels it`);
      continue;
    }
    const target = await stat(to).catch(() => null);
    if (target && target.ino === source.ino && target.dev === source.dev) {
      placed.inPlace++;
      continue;
    }
    await mkdir(dirname(to), { recursive: true });
    if (!(await staysInside(into, dirname(to)))) {
      placed.missing.push(`job ${job.id}: the folder of ${job.file} in ${into} leads outside it (a symbolic link); not written. Remove the link and merge again.`);
      continue;
    }
    const temp = `${to}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      try {
        await link(from, temp);
        placed.linked++;
      } catch {
        await copyFile(from, temp);
        placed.copied++;
      }
      await rename(temp, to);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }
  return placed;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Whether a folder inside `into` really is inside it: like `run` (scheduler/download-job.ts), a video is never
 * written through a symbolic link that leads out of the target (`into` itself may be a link).
 */
async function staysInside(into: string, folder: string): Promise<boolean> {
  if (resolve(folder) === resolve(into)) return true;
  const [root, real] = await Promise.all([realpath(into), realpath(folder)]);
  const rel = relative(root, real);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
