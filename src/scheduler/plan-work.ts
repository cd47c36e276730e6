import { join } from 'node:path';
import type { Job } from '../manifest/types.js';
import type { LedgerStore } from '../results/ledger-store.js';
import type { LedgerJob } from '../results/ledger-types.js';
import type { Logger } from '../util/logger.js';
import type { JobSettings, RunTarget, WorkItem } from './run-context.js';
import { fileSizes, removeLeftoverParts } from './saved-files.js';

export interface PlannedJob {
  readonly job: Job;
  readonly settings: JobSettings;
}

export interface ResumeOptions {
  /** Run `failed` jobs again (they are paid again). */
  readonly retryFailed: boolean;
  /** Submit `unknown` jobs again (they may be paid twice). */
  readonly resubmitUnknown: boolean;
}

/** A fresh ledger record for a planned job. */
export function ledgerRecordOf(job: Job, now: string): LedgerJob {
  return {
    id: job.id,
    manifest: job.manifest,
    manifest_name: job.manifestName,
    request: job.request,
    status: 'pending',
    video_id: null,
    seed_requested: job.request.seed ?? null,
    seed: null,
    estimated_credits: job.estimatedCredits,
    credits: null,
    credits_refunded: 0,
    file: job.file,
    bytes: null,
    sha256: null,
    width: null,
    height: null,
    has_audio: null,
    attempts: 0,
    error: null,
    axes: { ...job.axes },
    created_at: now,
    updated_at: now,
    submitted_at: null,
    finished_at: null,
  };
}


/**
 * Resume: decides from the ledger what each planned job still needs, and records new jobs.
 * - succeeded with its file intact (recorded size): nothing; a missing or short file is fetched and downloaded
 *   again (it is paid for), never resubmitted;
 * - submitted (has a video id): polled; submitting (a crash while the submit was on the wire): `unknown`;
 * - unknown: held unless `resubmitUnknown`; failed: rerun only with `retryFailed`; moderated: never (change the
 *   prompt: that makes a new job);
 * - pending, skipped (budget or balance): submitted.
 * Jobs of the ledger that are not planned are left untouched.
 */
export async function planWork(target: RunTarget, planned: readonly PlannedJob[], options: ResumeOptions, logger: Logger): Promise<WorkItem[]> {
  const { store, outDir } = target;
  const now = new Date().toISOString();
  const fresh: LedgerJob[] = [];
  const polls: WorkItem[] = [];
  const submits: WorkItem[] = [];
  const writes: Promise<void>[] = [];
  const saved = planned.flatMap(({ job }) => {
    const rec = store.job(job.id);
    return rec?.status === 'succeeded' && rec.bytes !== null ? [join(outDir, rec.file)] : [];
  });
  const sizes = await fileSizes(saved);
  const intact: string[] = [];
  for (const { job, settings } of planned) {
    const item = (kind: WorkItem['kind']): WorkItem => ({ target, id: job.id, settings, kind });
    const rec = store.job(job.id);
    if (!rec) {
      fresh.push(ledgerRecordOf(job, now));
      submits.push(item('submit'));
      continue;
    }
    if (rec.status !== 'succeeded') writes.push(refreshPlanFields(store, rec, job));
    switch (rec.status) {
      case 'succeeded': {
        const path = join(outDir, rec.file);
        if (rec.bytes !== null && sizes.get(path) === rec.bytes) {
          intact.push(path);
          break;
        }
        if (rec.video_id === null) break; // not ours to fix (a hand-edited ledger): report it as it is
        logger.warn({ job: rec.id, file: rec.file }, 'file of a succeeded job is missing or short: downloading it again');
        writes.push(store.update(rec.id, { status: 'submitted', error: { code: 'FILE_MISSING', message: `${rec.file} was missing or short; downloading again` } }));
        polls.push(item('poll'));
        break;
      }
      case 'submitted':
        polls.push(item('poll'));
        break;
      case 'submitting':
        // The intent was on disk but not the answer: the request may have been accepted and charged.
        writes.push(
          store.update(rec.id, {
            status: 'unknown',
            error: { code: 'INTERRUPTED_SUBMIT', message: 'the runner stopped while this submit was on the wire; it may have been accepted and charged' },
          }),
        );
        if (options.resubmitUnknown) submits.push(item('submit'));
        break;
      case 'unknown':
        if (options.resubmitUnknown) {
          logger.warn({ job: rec.id }, 'resubmitting a job whose earlier submit had an unknown outcome (--resubmit-unknown)');
          submits.push(item('submit'));
        }
        break;
      case 'failed':
        if (options.retryFailed) submits.push(item('submit'));
        break;
      case 'moderated':
        break;
      case 'pending':
      case 'skipped':
        submits.push(item('submit'));
        break;
    }
  }
  await removeLeftoverParts(intact); // of an earlier interrupted download
  await Promise.all(writes);
  await store.addJobs(fresh);
  return [...polls, ...submits];
}

/** An edited manifest may rename a job's file or move it to another manifest; its identity (the request) is the same. */
function refreshPlanFields(store: LedgerStore, rec: LedgerJob, job: Job): Promise<void> {
  if (rec.file === job.file && rec.manifest === job.manifest && rec.estimated_credits === job.estimatedCredits && rec.manifest_name === job.manifestName) {
    return Promise.resolve();
  }
  return store.update(rec.id, { file: job.file, manifest: job.manifest, manifest_name: job.manifestName, estimated_credits: job.estimatedCredits, axes: { ...job.axes } });
}
