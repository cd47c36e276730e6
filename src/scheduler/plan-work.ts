import type { Job } from '../manifest/types.js';
import type { LedgerStore } from '../ledger/store.js';
import { attemptsOf, lastAttemptMayBeCharged } from '../ledger/money.js';
import { ledgerRecordOf } from '../ledger/schema.js';
import type { JobBudget, LedgerJob } from '../ledger/types.js';
import type { Logger } from '../util/logger.js';
import type { JobSettings, RunTarget, WorkItem } from './run-context.js';
import { fileSizes, outputPathOf, removeLeftoverParts } from './saved-files.js';

export interface PlannedJob {
  readonly job: Job;
  readonly settings: JobSettings;
}

export interface ResumeOptions {
  /** Run `failed` jobs again (they are paid again). */
  readonly retryFailed: boolean;
  /** Submit `unknown` jobs again (they may be paid twice). */
  readonly resubmitUnknown: boolean;
  /** The budget this run gives the folder, recorded on each planned job (status and merge read it). */
  readonly budget?: JobBudget | null;
}

/**
 * What a planned job still needs, from its ledger record (`undefined`: a job the ledger does not have yet):
 * - `submit`: new, pending or skipped (budget, balance); failed with `retryFailed`; unknown or submitting with
 *   `resubmitUnknown` — the only need that is paid;
 * - `poll`: submitted (it has a video id);
 * - `download`: succeeded but its file is missing or short, and it has a video id (fetched again, never resubmitted);
 * - `done`: succeeded with its file intact (the recorded size);
 * - `held`: unknown or submitting (a crash while the submit was on the wire) without `resubmitUnknown`, failed
 *   without `retryFailed`, moderated (change the prompt: that makes a new job), or a succeeded record with
 *   neither file nor video id (a hand-edited ledger: reported as it is).
 * The one rule of resume: `run` acts on it (planWork) and `plan` counts it.
 */
export type JobNeed = 'submit' | 'poll' | 'download' | 'done' | 'held';

export function needOf(rec: LedgerJob | undefined, fileIntact: boolean, options: ResumeOptions): JobNeed {
  if (!rec) return 'submit';
  switch (rec.status) {
    case 'succeeded':
      return fileIntact ? 'done' : rec.video_id === null ? 'held' : 'download';
    case 'submitted':
      return 'poll';
    case 'submitting':
    case 'unknown':
      return options.resubmitUnknown ? 'submit' : 'held';
    case 'failed':
      return options.retryFailed ? 'submit' : 'held';
    case 'moderated':
      return 'held';
    case 'pending':
    case 'skipped':
      // A job whose last submit may have been charged (a resubmit of an unknown job that the budget skipped)
      // is still held like an unknown one: sent again only with --resubmit-unknown.
      return lastAttemptMayBeCharged(rec) && !options.resubmitUnknown ? 'held' : 'submit';
  }
}

/** Whether a succeeded job's file is in the output folder with the size the ledger recorded. */
export async function fileIntact(outDir: string, rec: LedgerJob | undefined): Promise<boolean> {
  const path = savedPathOf(outDir, rec);
  return path !== undefined && (await fileSizes([path])).get(path) === rec?.bytes;
}

/**
 * Where a succeeded job's file is, or undefined when there is none to look at: not succeeded, or a name (from an
 * edited ledger) outside the output folder, which is never stat'ed, cleaned up after or counted as intact.
 */
function savedPathOf(outDir: string, rec: LedgerJob | undefined): string | undefined {
  return rec?.status === 'succeeded' && rec.bytes !== null ? outputPathOf(outDir, rec.file) : undefined;
}

/**
 * Resume: decides from the ledger what each planned job still needs (needOf), records new jobs, and writes what
 * the decision implies: a `submitting` record becomes `unknown`; a succeeded job whose file is missing or short
 * goes back to `submitted` so it is fetched and downloaded again (it is paid for); a leftover `.part` of an
 * intact file is removed. Jobs of the ledger that are not planned are left untouched.
 */
export async function planWork(target: RunTarget, planned: readonly PlannedJob[], options: ResumeOptions, logger: Logger): Promise<WorkItem[]> {
  const { store, outDir } = target;
  const now = new Date().toISOString();
  const fresh: LedgerJob[] = [];
  const polls: WorkItem[] = [];
  const submits: WorkItem[] = [];
  const writes: Promise<void>[] = [];
  const savedPaths = planned.map(({ job }) => savedPathOf(outDir, store.job(job.id)));
  const sizes = await fileSizes(savedPaths.filter((p): p is string => p !== undefined));
  const intact: string[] = [];
  for (const [index, { job, settings }] of planned.entries()) {
    const item = (kind: WorkItem['kind']): WorkItem => ({ target, id: job.id, settings, kind });
    const rec = store.job(job.id);
    const path = savedPaths[index];
    const need = needOf(rec, path !== undefined && sizes.get(path) === rec?.bytes, options);
    if (!rec) {
      fresh.push(ledgerRecordOf(job, now, options.budget ?? null));
      submits.push(item('submit'));
      continue;
    }
    if (rec.status !== 'succeeded') writes.push(refreshPlanFields(store, rec, job, options.budget ?? null));
    if (rec.status === 'submitting') {
      // The intent was on disk but not the answer: the request may have been accepted and charged.
      writes.push(
        store.update(rec.id, {
          status: 'unknown',
          submits: attemptsOf(rec).map((a) => (a.outcome === 'submitting' ? { ...a, outcome: 'unknown' as const } : a)),
          error: { code: 'INTERRUPTED_SUBMIT', message: 'the runner stopped while this submit was on the wire; it may have been accepted and charged' },
        }),
      );
    } else if (rec.status === 'unknown' && need === 'submit') {
      logger.warn({ job: rec.id }, 'resubmitting a job whose earlier submit had an unknown outcome (--resubmit-unknown)');
    }
    switch (need) {
      case 'done':
        if (path !== undefined) intact.push(path);
        break;
      case 'download':
        logger.warn({ job: rec.id, file: rec.file }, 'file of a succeeded job is missing or short: downloading it again');
        writes.push(store.update(rec.id, { status: 'submitted', error: { code: 'FILE_MISSING', message: `${rec.file} was missing or short; downloading again` } }));
        polls.push(item('poll'));
        break;
      case 'poll':
        polls.push(item('poll'));
        break;
      case 'submit':
        submits.push(item('submit'));
        break;
      case 'held':
        break;
    }
  }
  await removeLeftoverParts(intact); // of an earlier interrupted download
  await Promise.all(writes);
  await store.addJobs(fresh);
  return [...polls, ...submits];
}

/**
 * An edited manifest may rename a job's file or move it to another manifest; its identity (the request) is the
 * same. The budget of this run and a promoted job's source are recorded too.
 */
function refreshPlanFields(store: LedgerStore, rec: LedgerJob, job: Job, budget: JobBudget | null): Promise<void> {
  const from = job.promotedFrom ?? rec.promoted_from;
  const sameBudget = (rec.budget ?? null) === budget || (rec.budget && budget && rec.budget.max_credits === budget.max_credits && rec.budget.share === budget.share);
  // An image moved or renamed keeps its bytes, so its job: the record learns where the image is now.
  const sameImages = JSON.stringify(rec.images) === JSON.stringify(job.images);
  if (rec.file === job.file && rec.manifest === job.manifest && rec.estimated_credits === job.estimatedCredits && rec.manifest_name === job.manifestName && rec.promoted_from === from && sameBudget && sameImages) {
    return Promise.resolve();
  }
  const images = job.images && { images: structuredClone(job.images) as NonNullable<LedgerJob['images']> };
  return store.update(rec.id, { file: job.file, manifest: job.manifest, manifest_name: job.manifestName, estimated_credits: job.estimatedCredits, axes: { ...job.axes }, budget, ...(from !== undefined && { promoted_from: from }), ...images });
}
