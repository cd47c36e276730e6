import type { SubmitRequest } from '../model/capabilities.js';
import type { AxisValue } from '../manifest/types.js';

export const JOB_STATUSES = ['pending', 'submitting', 'submitted', 'succeeded', 'failed', 'moderated', 'unknown', 'skipped'] as const;
/**
 * - `submitting`: the intent to submit is on disk; the request may be on the wire.
 * - `unknown`: a submit whose outcome cannot be known (it may have been charged); held for the user.
 * - `submitted`: the service answered with a video id; generating or not yet downloaded.
 */
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface LedgerError {
  /** The service's ErrCode, the gateway's HTTP status/code, or one of ours (e.g. `BUDGET`, `TIMEOUT`). */
  readonly code: string | number;
  readonly message: string;
}

export interface LedgerJob {
  id: string;
  manifest: string;
  manifest_name: string;
  /** The exact body sent (or to be sent). */
  request: SubmitRequest;
  status: JobStatus;
  /** The exact decimal string of the id from the response text; never a JS number. */
  video_id: string | null;
  seed_requested: number | null;
  /** The seed the service used (from the fetch result). */
  seed: number | null;
  estimated_credits: number;
  /** What the submit response charged. */
  credits: number | null;
  /** Credits returned by the provider (moderation refunds). */
  credits_refunded: number;
  /** Relative to the output folder. */
  file: string;
  bytes: number | null;
  sha256: string | null;
  width: number | null;
  height: number | null;
  has_audio: boolean | null;
  /** Submit attempts that may have reached the service. */
  attempts: number;
  error: LedgerError | null;
  axes: Record<string, AxisValue>;
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
  finished_at: string | null;
}

export interface LedgerTotals {
  jobs: number;
  by_status: Record<JobStatus, number>;
  credits_spent: number;
  credits_refunded: number;
}

export interface Ledger {
  version: 1;
  /**
   * The sequence number of the last journal event folded into this snapshot (ledger-store.ts): replaying
   * `ledger.journal.jsonl` skips events at or below it, so a replay over a newer snapshot is idempotent.
   */
  journal_seq?: number;
  /**
   * The service the folder's jobs ran against (service-identity.ts): `"simulator"` for a rehearsal, else the API
   * origin (scheme://host:port, never a path or key). Absent in ledgers written before it existed.
   */
  service?: string;
  jobs: LedgerJob[];
  totals: LedgerTotals;
}

export function emptyStatusCounts(): Record<JobStatus, number> {
  return Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
}

/** Totals are derived, never stored separately from the jobs. */
export function computeTotals(jobs: readonly LedgerJob[]): LedgerTotals {
  const by_status = emptyStatusCounts();
  let credits_spent = 0;
  let credits_refunded = 0;
  for (const job of jobs) {
    by_status[job.status]++;
    credits_spent += job.credits ?? 0;
    credits_refunded += job.credits_refunded;
  }
  return { jobs: jobs.length, by_status, credits_spent, credits_refunded };
}
