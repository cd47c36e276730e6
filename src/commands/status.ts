import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandIO } from '../cli/io.js';
import { EXIT } from '../cli/exit-codes.js';
import { JOB_STATUSES, type JobStatus, type Ledger, type LedgerError, type LedgerJob } from '../results/ledger-types.js';
import { readLedger } from '../results/ledger-store.js';
import { isStale, LOCK_FILE, type LockOwner } from '../results/output-lock.js';

export interface StatusOptions {
  /** Print one JSON document on stdout instead of text. */
  readonly json?: boolean;
}

/** A job that still needs the user (or another run) before its outcome is known. */
export const UNRESOLVED_STATUSES: readonly JobStatus[] = ['unknown', 'submitting', 'submitted', 'skipped', 'pending'];

export interface StatusEntry {
  readonly id: string;
  readonly status: JobStatus;
  readonly file: string;
  readonly video_id: string | null;
  readonly error: LedgerError | null;
  readonly what_to_do: string;
}

export interface LedgerStatus {
  readonly out: string;
  readonly jobs: number;
  readonly by_status: Record<JobStatus, number>;
  readonly credits_spent: number;
  readonly credits_refunded: number;
  /** Credits the budget-skipped jobs are estimated to cost: how far to raise `max_credits` to finish them. */
  readonly budget_shortfall: number;
  /** The runner holding the folder right now, if any (a crashed runner's lock is not reported). */
  readonly running: LockOwner | null;
  readonly unresolved: readonly StatusEntry[];
  readonly failed: readonly StatusEntry[];
}

/** `paiwo-batch status <out>`: what the ledger (snapshot + journal) says, without contacting the service. */
export async function statusCommand(outDir: string, options: StatusOptions, io: CommandIO): Promise<number> {
  const ledger = await readLedger(outDir);
  const status = summarizeLedger(outDir, ledger, await readRunningOwner(outDir));
  io.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
  return EXIT.ok;
}

export function summarizeLedger(outDir: string, ledger: Ledger, running: LockOwner | null = null): LedgerStatus {
  const { totals } = ledger;
  const skippedForBudget = ledger.jobs.filter((j) => j.status === 'skipped' && isBudgetSkip(j));
  const budget_shortfall = skippedForBudget.reduce((sum, j) => sum + j.estimated_credits, 0);
  const entry = (job: LedgerJob): StatusEntry => ({
    id: job.id,
    status: job.status,
    file: job.file,
    video_id: job.video_id,
    error: job.error,
    what_to_do: whatToDo(job, running !== null),
  });
  return {
    out: outDir,
    jobs: totals.jobs,
    by_status: totals.by_status,
    credits_spent: totals.credits_spent,
    credits_refunded: totals.credits_refunded,
    budget_shortfall,
    running,
    unresolved: ledger.jobs.filter((j) => UNRESOLVED_STATUSES.includes(j.status)).map(entry),
    failed: ledger.jobs.filter((j) => j.status === 'failed' || j.status === 'moderated').map(entry),
  };
}

function isBudgetSkip(job: LedgerJob): boolean {
  return job.error === null || String(job.error.code).toUpperCase() === 'BUDGET';
}

/** One sentence per job: what happened and what the user can do about it. */
export function whatToDo(job: LedgerJob, runInProgress = false): string {
  const video = job.video_id ? `video ${job.video_id}` : 'a video';
  const when = job.submitted_at ?? job.updated_at;
  switch (job.status) {
    case 'unknown':
      return (
        `the submit's outcome is unknown and it may have been charged: check your DMXAPI console for ${video}` +
        `${when ? ` submitted around ${when}` : ''}; rerun with --resubmit-unknown to pay again`
      );
    case 'submitting':
      return runInProgress
        ? 'being submitted by the run in progress'
        : `a submit was in flight when the run stopped and may have been charged: the next run holds it as unknown; check your DMXAPI console for ${video}${when ? ` around ${when}` : ''}, or rerun with --resubmit-unknown to pay again`;
    case 'submitted':
      return runInProgress ? `generating (${video}); the run in progress is polling it` : `generated or generating (${video}), not downloaded yet: rerun the same command to keep polling and download it (no new charge)`;
    case 'skipped':
      return isBudgetSkip(job)
        ? `skipped by the budget: raise max_credits (or --max-credits) by ${job.estimated_credits} to run it, then rerun the same command`
        : `skipped: ${job.error?.message ?? 'no reason recorded'}; rerun the same command`;
    case 'pending':
      return runInProgress ? 'waiting in the run in progress' : 'not submitted yet: rerun the same command';
    case 'failed':
      return 'rerun with --retry-failed to try again (it is paid again)';
    case 'moderated':
      return 'rejected by content moderation (credits refunded): change the prompt; it is not retried';
    default:
      return '';
  }
}

/** A terminal screen, not a log: past this many jobs per list the rest are counted (all are in --json). */
const LIST_LIMIT = 50;

export function formatStatus(status: LedgerStatus): string {
  const lines: string[] = [];
  const counts = JOB_STATUSES.filter((s) => status.by_status[s] > 0).map((s) => `${status.by_status[s]} ${s}`);
  lines.push(`${status.out}: ${status.jobs} job${status.jobs === 1 ? '' : 's'}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`);
  lines.push(
    `credits: ${status.credits_spent} spent, ${status.credits_refunded} refunded, ${status.credits_spent - status.credits_refunded} net`,
  );
  if (status.running) lines.push(`a run is in progress: pid ${status.running.pid} on ${status.running.hostname} since ${status.running.started_at}`);
  if (status.unresolved.length > 0) {
    lines.push('', `unresolved (${status.unresolved.length}):`);
    for (const e of status.unresolved.slice(0, LIST_LIMIT)) lines.push(`  ${e.id}  ${e.status.padEnd(10)} ${oneLine(e.file)}`, `      ${e.what_to_do}`);
  }
  if (status.unresolved.length > LIST_LIMIT) lines.push(`  … and ${status.unresolved.length - LIST_LIMIT} more (all of them with --json)`);
  if (status.budget_shortfall > 0) {
    lines.push('', `budget: raise max_credits by ${status.budget_shortfall} credits (estimated) to finish the jobs the budget skipped`);
  }
  if (status.failed.length > 0) {
    lines.push('', `failed or moderated (${status.failed.length}):`);
    for (const e of status.failed.slice(0, LIST_LIMIT)) {
      lines.push(`  ${e.id}  ${e.status.padEnd(10)} ${oneLine(e.file)}${e.video_id ? `  video ${e.video_id}` : ''}`);
      if (e.error) lines.push(`      error ${String(e.error.code)}: ${oneLine(e.error.message)}`);
      lines.push(`      ${e.what_to_do}`);
    }
  }
  if (status.failed.length > LIST_LIMIT) lines.push(`  … and ${status.failed.length - LIST_LIMIT} more (all of them with --json)`);
  if (status.unresolved.length === 0 && status.failed.length === 0 && status.jobs > 0) lines.push('every job succeeded.');
  return `${lines.join('\n')}\n`;
}

/** A service message can hold newlines or terminal escapes; the status is read on a terminal. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

/** The runner holding a folder right now; `null` when none or when its lock was left by a crash. */
export async function readRunningOwner(outDir: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(join(outDir, LOCK_FILE), 'utf8')) as LockOwner;
    if (typeof owner?.pid !== 'number' || typeof owner.hostname !== 'string') return null;
    return isStale(owner) ? null : owner;
  } catch {
    return null;
  }
}
