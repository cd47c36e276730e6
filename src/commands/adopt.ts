import type { CommandIO } from './command-io.js';
import { EXIT } from '../errors/exit-codes.js';
import { UserError } from '../errors/paiwo-error.js';
import { openLedger, readLedger } from '../ledger/store.js';
import { attemptsOf } from '../ledger/money.js';
import type { JobStatus, LedgerJob, SubmitAttempt } from '../ledger/types.js';

/** Only a job whose submit may have been taken without the ledger holding its answer can adopt a video. */
const ADOPTABLE: readonly JobStatus[] = ['unknown', 'submitting'];

/**
 * `paiwo-batch adopt <out> <job-id> <video-id>`: records a video id the user found (the DMXAPI console, or the
 * `PAID BUT NOT RECORDED` line of a run whose disk filled) for a job held `unknown` or `submitting`. The job
 * becomes `submitted`, so the next run polls and downloads that video instead of paying again. Its charge is
 * recorded as the estimate (the submit's answer, with the real charge, was lost). Sends nothing.
 */
export async function adoptCommand(outDir: string, jobId: string, videoId: string, io: CommandIO): Promise<number> {
  if (!/^\d{1,40}$/.test(videoId)) {
    throw new UserError('VIDEO_ID_INVALID', `"${videoId.slice(0, 60)}" is not a video id: it is the digits the service answered (e.g. 385043936817661)`);
  }
  await readLedger(outDir); // a clear "not an output folder" before creating anything there
  // The lock, like a run: adopting while a run holds the folder would race its writes.
  const store = await openLedger(outDir);
  try {
    const job = store.job(jobId);
    if (!job) throw new UserError('JOB_NOT_FOUND', `no job ${jobId} in ${outDir} (\`paiwo-batch status ${outDir}\` lists the unresolved ones)`);
    if (!ADOPTABLE.includes(job.status)) {
      const why = job.video_id ? ` it already has video ${job.video_id}` : '';
      throw new UserError('JOB_NOT_ADOPTABLE', `job ${jobId} is ${job.status}, not unknown or submitting:${why || ' nothing to adopt'}; adopt only settles a submit whose answer was lost`);
    }
    const other = store.jobs.find((j) => j.id !== jobId && j.video_id === videoId);
    if (other) throw new UserError('VIDEO_ID_TAKEN', `video ${videoId} already belongs to job ${other.id} in ${outDir}`);
    await store.update(
      jobId,
      {
        status: 'submitted',
        video_id: videoId,
        credits: (job.credits ?? 0) + job.estimated_credits,
        // The attempt whose answer was lost is now known to be accepted; its charge is not known, so the money
        // bracket keeps its estimate among the unknown credits (ledger/money.ts).
        submits: adoptedAttempts(job, videoId),
        submitted_at: new Date().toISOString(),
        finished_at: null,
        error: null,
      },
      { durable: true },
    );
    io.stdout.write(`job ${jobId} now has video ${videoId}; the next run polls and downloads it (no new submit)\n`);
  } finally {
    await store.close();
  }
  return EXIT.ok;
}

/** The job's attempt history with the lost answer filled in: accepted, this video id, the charge not known. */
function adoptedAttempts(job: LedgerJob, videoId: string): SubmitAttempt[] {
  const prior = attemptsOf(job);
  const last = prior.at(-1);
  if (last && (last.outcome === 'unknown' || last.outcome === 'submitting')) {
    return [...prior.slice(0, -1), { ...last, outcome: 'accepted', video_id: videoId, credits: null }];
  }
  return [...prior, { at: new Date().toISOString(), outcome: 'accepted', video_id: videoId, credits: null, estimated_credits: job.estimated_credits, credits_refunded: 0, request_id: null }];
}
